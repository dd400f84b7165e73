import { Module } from '@nestjs/common';
import { ShakePresenter } from '../shakes/shake.presenter';
import { ShakesModule } from '../shakes/shakes.module';
import { SocialModule } from '../social/social.module';
import { UsersModule } from '../users/users.module';
import { FeedsController } from './feeds.controller';
import { FeedsService } from './feeds.service';
import { OembedController } from './oembed.controller';
import { OembedService } from './oembed.service';
import { PageSite } from './page-site';
import { SharePagesController } from './share-pages.controller';
import { SharePagesService } from './share-pages.service';

/** The share pages (/p/<key>, /<shake>), oEmbed and the feeds; only where the API is served. */
@Module({
  imports: [SocialModule, ShakesModule, UsersModule],
  controllers: [SharePagesController, OembedController, FeedsController],
  providers: [PageSite, SharePagesService, OembedService, FeedsService, ShakePresenter],
})
export class PagesApiModule {}

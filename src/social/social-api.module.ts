import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ShakesModule } from '../shakes/shakes.module';
import { UsersModule } from '../users/users.module';
import { CommentPresenter } from './comments/comment.presenter';
import { CommentsController } from './comments/comments.controller';
import { LikesController } from './likes/likes.controller';
import { SavesController } from './saves/saves.controller';
import { SocialModule } from './social.module';
import { StreamsController } from './streams/streams.controller';
import { ViewerStateInterceptor } from './viewer/viewer-state.interceptor';
import { ViewerStateService } from './viewer/viewer-state.service';

/**
 * The like, save, comment and stream routes, and the `viewer` part of every signed-in response (on every route,
 * after the response cache); only where the API is served.
 */
@Module({
  imports: [SocialModule, ShakesModule, UsersModule],
  controllers: [StreamsController, LikesController, SavesController, CommentsController],
  providers: [CommentPresenter, ViewerStateService, { provide: APP_INTERCEPTOR, useClass: ViewerStateInterceptor }],
})
export class SocialApiModule {}

import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AdminRecountController } from './admin-recount.controller';
import { CommentViews } from './comments/comment-views';
import { CommentsController } from './comments/comments.controller';
import { FollowsController } from './follows.controller';
import { LikesController } from './likes/likes.controller';
import { SavesController } from './saves/saves.controller';
import { ShakeViews } from './shake-views';
import { ShakesController } from './shakes.controller';
import { ShakesModule } from './shakes.module';
import { SocialModule } from './social.module';
import { StreamsController } from './streams/streams.controller';

/** The shake, follow, like, save, comment, stream and recount routes; only where the API is served. */
@Module({
  imports: [ShakesModule, SocialModule, UsersModule],
  controllers: [
    ShakesController,
    FollowsController,
    AdminRecountController,
    StreamsController,
    LikesController,
    SavesController,
    CommentsController,
  ],
  providers: [ShakeViews, CommentViews],
})
export class ShakesApiModule {}

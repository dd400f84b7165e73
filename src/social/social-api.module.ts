import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { CommentViews } from './comments/comment-views';
import { CommentsController } from './comments/comments.controller';
import { LikesController } from './likes/likes.controller';
import { SavesController } from './saves/saves.controller';
import { SocialModule } from './social.module';
import { StreamsController } from './streams/streams.controller';

/** The like, save, comment and stream routes; only where the API is served. */
@Module({
  imports: [SocialModule, UsersModule],
  controllers: [StreamsController, LikesController, SavesController, CommentsController],
  providers: [CommentViews],
})
export class SocialApiModule {}

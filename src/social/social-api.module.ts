import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { CommentPresenter } from './comments/comment.presenter';
import { CommentsController } from './comments/comments.controller';
import { LikesController } from './likes/likes.controller';
import { SavesController } from './saves/saves.controller';
import { SocialModule } from './social.module';
import { StreamsController } from './streams/streams.controller';

/** The like, save, comment and stream routes; only where the API is served. */
@Module({
  imports: [SocialModule, UsersModule],
  controllers: [StreamsController, LikesController, SavesController, CommentsController],
  providers: [CommentPresenter],
})
export class SocialApiModule {}

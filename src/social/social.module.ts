import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { FilesModule } from '../files/files.module';
import { UsersModule } from '../users/users.module';
import { Comment, CommentSchema } from './comments/comment.schema';
import { CommentsService } from './comments/comments.service';
import { FileCountersService } from './file-counters.service';
import { Like, LikeSchema } from './likes/like.schema';
import { LikesService } from './likes/likes.service';
import { PostRemovalService } from './post-removal.service';
import { SavesService } from './saves/saves.service';
import { ShakesModule } from '../shakes/shakes.module';
import { PopularService } from './streams/popular.service';
import { PopularEntry, PopularEntrySchema, PopularSnapshot, PopularSnapshotSchema } from './streams/schemas/popular.schema';
import { StreamsService } from './streams/streams.service';

/**
 * What people do with files in shakes: likes, saves, comments, the file counters derived from them, and the
 * streams, for every process. SocialApiModule adds the routes and SocialWorkerModule the processors.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Like.name, schema: LikeSchema },
      { name: Comment.name, schema: CommentSchema },
      { name: PopularSnapshot.name, schema: PopularSnapshotSchema },
      { name: PopularEntry.name, schema: PopularEntrySchema },
    ]),
    FilesModule,
    ShakesModule,
    UsersModule,
  ],
  providers: [LikesService, SavesService, CommentsService, FileCountersService, PostRemovalService, StreamsService, PopularService],
  exports: [
    LikesService,
    SavesService,
    CommentsService,
    FileCountersService,
    PostRemovalService,
    StreamsService,
    PopularService,
    FilesModule,
  ],
})
export class SocialModule {}

import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SearchIndexerModule } from '../jobs/search-indexer.module';
import { ShakesModule } from '../shakes/shakes.module';
import { UsersModule } from '../users/users.module';
import { MediaDelivery } from './delivery/media-delivery.service';
import { MediaMetrics } from './delivery/media-metrics';
import { FileMetrics } from './file-metrics';
import { FileServingService } from './file-serving.service';
import { FilePresenter } from './file.presenter';
import { PostCacheService } from './post-cache.service';
import { PostsService } from './posts.service';
import { PostCountsService } from './post-counts.service';
import { PostsRepository } from './posts.repository';
import { PostViewsService } from './post-views.service';
import { SearchablePostsService } from './searchable-posts.service';
import { PostViews, PostViewsSchema } from './schemas/post-views.schema';
import { SharedFile, SharedFileSchema } from './schemas/shared-file.schema';
import { SourceFile, SourceFileSchema } from './schemas/source-file.schema';
import { VariantSet, VariantSetSchema } from './schemas/variant-set.schema';
import { SourceFilesService } from './source-files.service';
import { StorageModule } from './storage/storage.module';
import { ViewsCounter } from './views.counter';
import { VisiblePostsService } from './visible-posts.service';

/** What the files feature gives every other feature (MediaMetrics stays inside). */
const SHARED = [
  FileMetrics,
  PostsService,
  SourceFilesService,
  FileServingService,
  ViewsCounter,
  FilePresenter,
  PostsRepository,
  PostViewsService,
  VisiblePostsService,
  SearchablePostsService,
  PostCountsService,
  PostCacheService,
  MediaDelivery,
];

/** Files, their stored bytes and serving, for every process; FilesApiModule adds the routes. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: SourceFile.name, schema: SourceFileSchema },
      { name: SharedFile.name, schema: SharedFileSchema },
      { name: VariantSet.name, schema: VariantSetSchema },
      { name: PostViews.name, schema: PostViewsSchema },
    ]),
    StorageModule,
    UsersModule,
    ShakesModule,
    SearchIndexerModule,
  ],
  providers: [...SHARED, MediaMetrics],
  exports: [...SHARED, StorageModule],
})
export class FilesModule {}

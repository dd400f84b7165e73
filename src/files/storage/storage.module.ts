import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import type { ResolvedEnvironment } from '../../config/environment';
import { GridFsStorage } from './gridfs.storage';
import { isFerretDb } from '../../common/database/ferretdb';
import { GRIDFS_ON_FERRETDB_WARNING } from './gridfs-on-ferretdb';
import { LocalDiskStorage } from './local-disk.storage';
import { S3Storage } from './s3.storage';
import { STORAGE_DRIVER, type StorageDriver } from './storage-driver';

type Config = ConfigService<ResolvedEnvironment, true>;

/** The driver STORAGE_DRIVER names, configured from the validated environment. */
async function createStorageDriver(config: Config, connection: Connection): Promise<StorageDriver> {
  const get = <K extends keyof ResolvedEnvironment>(key: K): ResolvedEnvironment[K] => config.get(key, { infer: true });
  switch (get('STORAGE_DRIVER')) {
    case 'gridfs':
      // MongooseModule provides the connection once it is open
      if (await isFerretDb(connection.db!)) new Logger('StorageModule').warn(GRIDFS_ON_FERRETDB_WARNING);
      return new GridFsStorage(connection.db!);
    case 'local':
      return new LocalDiskStorage(get('STORAGE_LOCAL_DIR')).init();
    case 's3':
      // validateEnvironment has required the bucket and both keys for STORAGE_DRIVER=s3
      return new S3Storage({
        bucket: get('S3_BUCKET')!,
        region: get('S3_REGION'),
        endpoint: get('S3_ENDPOINT'),
        forcePathStyle: get('S3_FORCE_PATH_STYLE'),
        credentials: { accessKeyId: get('S3_ACCESS_KEY_ID')!, secretAccessKey: get('S3_SECRET_ACCESS_KEY')! },
      });
  }
}

/** Provides STORAGE_DRIVER, the store of file bytes chosen by configuration (see storage-driver.ts). */
@Module({
  providers: [{ provide: STORAGE_DRIVER, inject: [ConfigService, getConnectionToken()], useFactory: createStorageDriver }],
  exports: [STORAGE_DRIVER],
})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(STORAGE_DRIVER) private readonly driver: StorageDriver) {}

  onApplicationShutdown(): void {
    if (this.driver instanceof S3Storage) this.driver.close();
  }
}

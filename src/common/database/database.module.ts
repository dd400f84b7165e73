import { Global, Module } from '@nestjs/common';
import { IdReads } from './id-reads';

/** What every feature's repositories share about the database they run on (its connection is MongooseModule's). */
@Global()
@Module({ providers: [IdReads], exports: [IdReads] })
export class DatabaseModule {}

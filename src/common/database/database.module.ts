import { Global, Module } from '@nestjs/common';
import { ListReads } from './list-reads';

/** What every feature's repositories share about the database they run on (its connection is MongooseModule's). */
@Global()
@Module({ providers: [ListReads], exports: [ListReads] })
export class DatabaseModule {}

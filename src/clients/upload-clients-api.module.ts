import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UploadClientsController } from './upload-clients.controller';

/** GET /api/v1/me/clients/*: screenshot-tool configurations bound to upload-only tokens; only where the API is served. */
@Module({
  imports: [AuthModule],
  controllers: [UploadClientsController],
})
export class UploadClientsApiModule {}

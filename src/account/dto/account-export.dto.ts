import { ApiProperty } from '@nestjs/swagger';
import { type AccountExport, ExportStatus } from '../schemas/account-export.schema';

/** An account export and where to download it once it is ready. */
export class AccountExportDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: ExportStatus, description: 'pending while the job builds it, then ready (or failed)' })
  status!: ExportStatus;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true })
  readyAt!: string | null;

  @ApiProperty({ description: 'After this it is deleted and answers 404' })
  expiresAt!: string;

  @ApiProperty({ type: Number, nullable: true, description: 'Bytes of the zip, once ready' })
  size!: number | null;

  @ApiProperty({ description: 'GET it, signed in as yourself, for the zip (404 until ready)', example: '/api/v1/me/exports/665f.../zip' })
  download!: string;

  static from(doc: AccountExport & { _id: { toHexString(): string } }): AccountExportDto {
    const id = doc._id.toHexString();
    return {
      id,
      status: doc.status,
      createdAt: doc.createdAt.toISOString(),
      readyAt: doc.readyAt?.toISOString() ?? null,
      expiresAt: doc.expiresAt.toISOString(),
      size: doc.size,
      download: `/api/v1/me/exports/${id}/zip`,
    };
  }
}

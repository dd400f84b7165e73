import { Controller, Get, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { RateLimit } from '../common/throttling/rate-limit.decorator';
import { AccountExportsService } from './account-exports.service';
import { AccountExportDto } from './dto/account-export.dto';

@ApiTags('me')
@Controller('me')
@Authenticated()
export class ExportsController {
  constructor(private readonly exports: AccountExportsService) {}

  /** Queues an export of everything of yours; it is mailed to you when ready, and kept ACCOUNT_EXPORT_TTL_DAYS. */
  @Post('export')
  @RateLimit('mail')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: AccountExportDto })
  async request(@CurrentUser() caller: AuthUser): Promise<AccountExportDto> {
    return AccountExportDto.from(await this.exports.request(caller.id));
  }

  @Get('exports/:id')
  @ApiOkResponse({ type: AccountExportDto })
  @ApiNotFoundResponse({ description: 'No such export of yours, or it expired' })
  async describe(@CurrentUser() caller: AuthUser, @Param('id') id: string): Promise<AccountExportDto> {
    return AccountExportDto.from(await this.exports.get(caller.id, id));
  }

  @Get('exports/:id/zip')
  @ApiProduces('application/zip')
  @ApiOkResponse({
    description: 'The zip: originals/ and JSON of your posts, saves, shakes, likes, comments and follows',
    content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiNotFoundResponse({ description: 'No such export of yours, or it expired' })
  @ApiConflictResponse({ description: 'The export is not ready yet (or failed)' })
  async download(@CurrentUser() caller: AuthUser, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const { export: found, body } = await this.exports.open(caller.id, id);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="malted-export-${caller.username}-${found._id.toHexString()}.zip"`);
    res.setHeader('Cache-Control', 'private, no-store');
    if (found.size !== null) res.setHeader('Content-Length', String(found.size));
    await pipeline(body, res).catch(() => res.destroy());
  }
}

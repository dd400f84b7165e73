import { Controller, Get, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { TokensService } from '../auth/tokens.service';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import type { ResolvedEnvironment } from '../config/environment';
import { ShareXConfigDto } from './dto/sharex-config.dto';
import { scriptFileName, screenshotScript, shareXConfig, shareXFileName, type UploadClientTarget } from './upload-clients';

/**
 * Ready-made configurations of screenshot tools. Each download makes a new upload-only (`files:write`) token named
 * after its client, so revoking that token disables that one configuration and a leaked one can only upload.
 */
@ApiTags('me')
@Controller('me/clients')
@Authenticated()
export class UploadClientsController {
  private readonly siteName: string;
  private readonly publicUrl: string;

  constructor(
    private readonly tokens: TokensService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.siteName = config.get('SITE_NAME', { infer: true });
    this.publicUrl = config.get('PUBLIC_URL', { infer: true });
  }

  @Get('sharex')
  @ApiOperation({ summary: 'A ShareX custom uploader (.sxcu) bound to a new upload-only token named "ShareX"' })
  @ApiOkResponse({ type: ShareXConfigDto, description: 'Content-Disposition: attachment; <host>.sxcu' })
  async shareX(@CurrentUser() caller: AuthUser, @Res({ passthrough: true }) res: Response): Promise<ShareXConfigDto> {
    const target = await this.targetFor(caller, 'ShareX');
    this.asAttachment(res, shareXFileName(target));
    return shareXConfig(target);
  }

  @Get('flameshot')
  @ApiOperation({
    summary: 'A bash script (flameshot, or grim + slurp, and curl) bound to a new upload-only token named "Flameshot"',
  })
  @ApiProduces('text/x-shellscript')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'Content-Disposition: attachment; <host>-upload.sh' })
  async flameshot(@CurrentUser() caller: AuthUser, @Res() res: Response): Promise<void> {
    const target = await this.targetFor(caller, 'Flameshot');
    this.asAttachment(res, scriptFileName(target));
    res.type('text/x-shellscript; charset=utf-8').send(screenshotScript(target));
  }

  private async targetFor(caller: AuthUser, tokenName: string): Promise<UploadClientTarget> {
    const { secret } = await this.tokens.issue(caller.id, tokenName, ['files:write']);
    return { siteName: this.siteName, publicUrl: this.publicUrl, username: caller.username, token: secret, tokenName };
  }

  private asAttachment(res: Response, fileName: string): void {
    res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
    res.setHeader('Cache-Control', 'no-store');
  }
}

import { Controller, Delete, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiConflictResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentUser } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { AccountRemovalService } from './account-removal.service';

/** Beside AdminUsersController (src/auth): deleting an account needs every feature's data, which auth may not import. */
@ApiTags('admin')
@Controller('admin/users')
@AdminOnly()
export class AdminAccountsController {
  constructor(private readonly removal: AccountRemovalService) {}

  /**
   * Deletes the account now, without a grace period: disabled at once (every token revoked, profile and posts
   * gone), then the account/remove job removes everything of it, as after a deletion request's grace period.
   */
  @Delete(':username')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Disabled now; its data is removed by a job' })
  @ApiNotFoundResponse({ description: 'No such user' })
  @ApiConflictResponse({ description: 'Admins cannot delete themselves here (DELETE /me)' })
  async remove(@CurrentUser() admin: AuthUser, @Param('username') username: string): Promise<void> {
    await this.removal.removeNow(admin, username);
  }
}

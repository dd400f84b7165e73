import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Types } from 'mongoose';
import type { AuthUser } from '../common/auth/auth-user';
import { ConflictError, ForbiddenError, NotAuthenticatedError, NotFoundError } from '../common/errors/domain-errors';
import type { RegistrationMode, ResolvedEnvironment } from '../config/environment';
import { SearchIndexer } from '../jobs/search-indexer';
import { ShakesService } from '../shakes/shakes.service';
import { type UserDocument } from '../users/schemas/user.schema';
import { Role } from '../common/auth/role';
import { UsersService } from '../users/users.service';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password-hasher';
import { EmailVerificationService } from './email-verification.service';
import { InvitesService } from './invites.service';
import { TokensService } from './tokens.service';

export interface NewAccount {
  username: string;
  email: string;
  password: string;
  role?: Role;
  /** False for self-registered accounts until they follow the mailed link; the CLI's are taken as verified. */
  emailVerified?: boolean;
}

/** Accounts: registration (user + user shake), login and logout, and what admins change about them. */
@Injectable()
export class AuthService {
  private readonly registration: RegistrationMode;
  private readonly deletionGraceMs: number;

  constructor(
    private readonly users: UsersService,
    private readonly shakes: ShakesService,
    private readonly tokens: TokensService,
    private readonly search: SearchIndexer,
    private readonly invites: InvitesService,
    private readonly verification: EmailVerificationService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.registration = config.get('REGISTRATION', { infer: true });
    this.deletionGraceMs = config.get('ACCOUNT_DELETION_GRACE_DAYS', { infer: true }) * 24 * 60 * 60 * 1000;
  }

  /**
   * Creates the user, then their user shake. Both names are guarded by unique indexes; if the shake name is
   * taken (by a group shake) the user is removed again, so a failed registration leaves nothing behind.
   */
  async createAccount(account: NewAccount): Promise<UserDocument> {
    const user = await this.users.create({
      username: account.username,
      email: account.email,
      passwordHash: await hashPassword(account.password),
      role: account.role,
      emailVerified: account.emailVerified,
    });
    try {
      await this.shakes.createUserShake(user);
    } catch (error) {
      await this.users.remove(user._id);
      throw error;
    }
    await this.search.enqueue('user', user._id);
    return user;
  }

  /** Self-registration, as REGISTRATION allows; the new account is mailed a link to verify its address. */
  async register(account: NewAccount & { invite?: string }): Promise<{ user: UserDocument; secret: string }> {
    const inviteId = await this.admit(account.invite);
    let user: UserDocument;
    try {
      user = await this.createAccount({ ...account, role: Role.User, emailVerified: false });
    } catch (error) {
      if (inviteId) await this.invites.release(inviteId);
      throw error;
    }
    await this.verification.welcome(user);
    const { secret } = await this.tokens.issue(user._id, 'registration');
    return { user, secret };
  }

  /** Whether a registration may go ahead; in invite mode it takes one use of the invite (returned). */
  private async admit(invite: string | undefined): Promise<Types.ObjectId | null> {
    switch (this.registration) {
      case 'open':
        return null;
      case 'closed':
        throw new ForbiddenError('Registration is closed on this site');
      case 'invite':
        if (!invite)
          throw new ForbiddenError('Registration on this site needs an invite code: ask a member for one and send it as "invite"');
        return this.invites.claim(invite);
    }
  }

  /** The same error, after the same work, for an unknown login and a wrong password: no user enumeration. */
  async login(login: string, password: string, tokenName = 'login'): Promise<{ user: UserDocument; secret: string }> {
    const user = await this.users.findByLogin(login);
    const passwordMatches = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !passwordMatches || (user.disabled && !this.withinDeletionGrace(user))) {
      throw new NotAuthenticatedError('Invalid login or password');
    }
    const signedIn = user.disabled ? await this.users.update(user._id, { disabled: false, deletionRequestedAt: null }) : user;
    const { secret } = await this.tokens.issue(user._id, tokenName);
    return { user: signedIn, secret };
  }

  /** Disabled by its owner's deletion request (not by an admin), and the grace has not run out: signing in cancels it. */
  private withinDeletionGrace(user: UserDocument): boolean {
    return (
      !user.removingSince &&
      user.deletionRequestedAt instanceof Date &&
      user.deletionRequestedAt.getTime() + this.deletionGraceMs > Date.now()
    );
  }

  /**
   * The owner asks to delete their account (DELETE /me): it is disabled at once, as an admin disables one (every
   * token revoked, posts hidden); signing in within ACCOUNT_DELETION_GRACE_DAYS cancels it.
   */
  async requestDeletion(userId: Types.ObjectId, password: string): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('No such user');
    if (!(await verifyPassword(password, user.passwordHash))) throw new ForbiddenError('The password is wrong');
    await this.users.update(user._id, { disabled: true, deletionRequestedAt: new Date() });
    await this.tokens.revokeAll(user._id);
  }

  logout(userId: Types.ObjectId, tokenId: Types.ObjectId): Promise<void> {
    return this.tokens.revoke(userId, tokenId.toString());
  }

  /**
   * An admin disables, enables, promotes or demotes a user. Disabling revokes every token of the user for good
   * (enabling them again brings none back: they sign in afresh) and hides their posts until they are enabled
   * (see post-visibility.ts). The flag is written first: from then on no token of theirs works and no sign-in
   * issues a new one, so the tokens deleted after it are all there are; if deleting them fails, the admin's
   * request fails and repeating it finishes the job.
   */
  async updateAccount(admin: AuthUser, username: string, changes: { disabled?: boolean; role?: Role }): Promise<UserDocument> {
    const user = await this.users.getByUsername(username);
    if (user._id.equals(admin.id) && (changes.disabled === true || changes.role === Role.User)) {
      throw new ConflictError('You cannot disable or demote yourself; ask another admin');
    }
    if (user.removingSince) throw new ConflictError('This account is being removed');
    // An admin's word on disabling replaces a pending deletion request: signing in no longer re-enables the account.
    const updated = await this.users.update(user._id, changes.disabled === undefined ? changes : { ...changes, deletionRequestedAt: null });
    if (changes.disabled === true) await this.tokens.revokeAll(user._id);
    return updated;
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { ForbiddenError, NotFoundError } from '../common/errors/domain-errors';
import { Invite, type InviteDocument } from './schemas/invite.schema';

const DAY_MS = 86_400_000;

/** inv_ and 16 random bytes in base64url: short enough to pass on, too many to guess. */
const newInviteCode = (): string => `inv_${randomBytes(16).toString('base64url')}`;
const hashOf = (code: string): string => createHash('sha256').update(code).digest('hex');

/** The newest invites an admin sees in one list. */
export const INVITES_LISTED = 200;

/** Invite codes for REGISTRATION=invite (indexes: codeHash unique). */
@Injectable()
export class InvitesService {
  constructor(@InjectModel(Invite.name) private readonly invites: Model<Invite>) {}

  /** The code is returned now and never again. */
  async create(createdBy: Types.ObjectId, uses: number, expiresInDays: number): Promise<{ invite: InviteDocument; code: string }> {
    const code = newInviteCode();
    const invite = await this.invites.create({
      codeHash: hashOf(code),
      createdBy,
      maxUses: uses,
      expiresAt: new Date(Date.now() + expiresInDays * DAY_MS),
    });
    return { invite, code };
  }

  list(): Promise<InviteDocument[]> {
    return this.invites.find().sort({ _id: -1 }).limit(INVITES_LISTED).exec();
  }

  async revoke(id: string): Promise<void> {
    const { deletedCount } = Types.ObjectId.isValid(id)
      ? await this.invites.deleteOne({ _id: new Types.ObjectId(id) })
      : { deletedCount: 0 };
    if (deletedCount === 0) throw new NotFoundError('No such invite');
  }

  /**
   * Takes one use of the invite, or refuses with why. The conditional $inc is what decides between two
   * registrations racing for the last use (atomic on MongoDB).
   */
  async claim(code: string): Promise<Types.ObjectId> {
    const invite = await this.invites.findOne({ codeHash: hashOf(code) }).exec();
    if (!invite) throw new ForbiddenError('This invite code is not valid');
    const now = new Date();
    if (invite.expiresAt <= now) throw new ForbiddenError('This invite has expired: ask for a new one');
    const { modifiedCount } = await this.invites.updateOne(
      { _id: invite._id, uses: { $lt: invite.maxUses }, expiresAt: { $gt: now } },
      { $inc: { uses: 1 } },
    );
    if (modifiedCount !== 1) throw new ForbiddenError('This invite has been used up: ask for a new one');
    return invite._id;
  }

  /**
   * The invites an admin made, when their account is removed: unused codes stop working with their maker
   * (another admin makes new ones), used ones were only a record of who invited whom.
   */
  async forgetMadeBy(createdBy: Types.ObjectId): Promise<void> {
    await this.invites.deleteMany({ createdBy }).exec();
  }

  /** Gives a use back when the registration it was taken for failed (a name or address already taken). */
  async release(id: Types.ObjectId): Promise<void> {
    await this.invites.updateOne({ _id: id, uses: { $gt: 0 } }, { $inc: { uses: -1 } });
  }
}

import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, mongo, type Types } from 'mongoose';
import { ConflictError, NotFoundError } from '../common/errors/domain-errors';
import { Shake, type ShakeDocument, ShakeType } from './schemas/shake.schema';

const isDuplicateKey = (error: unknown) => error instanceof mongo.MongoServerError && error.code === 11000;

@Injectable()
export class ShakesService {
  constructor(@InjectModel(Shake.name) private readonly shakes: Model<Shake>) {}

  /** Every user has one user shake named after them; the unique name index settles races. */
  async createUserShake(owner: { _id: Types.ObjectId; username: string }): Promise<ShakeDocument> {
    try {
      return await this.shakes.create({
        name: owner.username,
        nameLower: owner.username.toLowerCase(),
        type: ShakeType.User,
        ownerId: owner._id,
        title: owner.username,
      });
    } catch (error) {
      if (isDuplicateKey(error)) throw new ConflictError('That name is taken');
      throw error;
    }
  }

  async getByName(name: string): Promise<ShakeDocument> {
    const shake = await this.shakes.findOne({ nameLower: name.toLowerCase() }).exec();
    if (!shake) throw new NotFoundError('No such shake');
    return shake;
  }

  findById(id: Types.ObjectId): Promise<ShakeDocument | null> {
    return this.shakes.findById(id).exec();
  }

  async getUserShake(ownerId: Types.ObjectId): Promise<ShakeDocument> {
    const shake = await this.shakes.findOne({ ownerId, type: ShakeType.User }).exec();
    if (!shake) throw new NotFoundError('No such shake');
    return shake;
  }

  /** The owner and the managers may post to a shake. */
  canPost(userId: Types.ObjectId, shake: Pick<Shake, 'ownerId' | 'managerIds'>): boolean {
    return shake.ownerId.equals(userId) || shake.managerIds.some((id) => id.equals(userId));
  }

  async deleteUserShake(ownerId: Types.ObjectId): Promise<void> {
    await this.shakes.deleteOne({ ownerId, type: ShakeType.User });
  }
}

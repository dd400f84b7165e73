import { Types } from 'mongoose';
import { scopesOfPost } from './post-cache.service';

describe('scopesOfPost', () => {
  const post = { key: 'Ab3dE5gH7j', shakeId: new Types.ObjectId(), originalId: null, tags: ['cats', 'tea'], magicAt: null };

  it('covers the metadata, the shake, the tags and the site-wide lists an original is in', () => {
    expect(scopesOfPost(post, 'Alice').sort()).toEqual(
      ['file:Ab3dE5gH7j', 'shake:alice', 'stream:incoming', 'stream:popular', 'tag:cats', 'tag:tea'].sort(),
    );
  });

  it('leaves saved copies out of incoming and popular, and adds magic for magic files', () => {
    const copy = { ...post, originalId: new Types.ObjectId(), tags: [], magicAt: null };
    expect(scopesOfPost(copy, 'bob').sort()).toEqual(['file:Ab3dE5gH7j', 'shake:bob']);
    expect(scopesOfPost({ ...post, magicAt: new Date() }, undefined)).toContain('stream:magic');
  });
});

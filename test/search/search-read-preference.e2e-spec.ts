import mongoose from 'mongoose';
import { TestContext } from '../harness/test-app';

describe('where searches read on a replica set (MONGODB_SEARCH_READ_PREFERENCE)', () => {
  const ctx = new TestContext(__filename);
  afterAll(async () => {
    mongoose.set('debug', false);
    await ctx.close();
  });

  it('sends the search queries, and only those, with the configured read preference', async () => {
    const app = await ctx.startApp({
      MALTED_MODE: 'api',
      HTTP_CACHE_ENABLED: 'false',
      MONGODB_SEARCH_READ_PREFERENCE: 'secondaryPreferred',
    });
    const seen: { collection: string; readPreference?: string }[] = [];
    const reads = ['find', 'findOne', 'aggregate', 'countDocuments'];
    mongoose.set('debug', (collection: string, method: string, ...rest: unknown[]) => {
      const options = rest.find((arg) => arg && typeof arg === 'object' && 'readPreference' in arg) as
        { readPreference?: { mode?: string } | string } | undefined;
      const preference = options?.readPreference;
      if (!reads.includes(method)) return;
      seen.push({ collection, readPreference: typeof preference === 'string' ? preference : preference?.mode });
    });
    const user = await ctx.newUser(app);
    await ctx.http(app).get('/api/v1/search?q=anything&type=files').expect(200);
    await ctx.http(app).get('/api/v1/me').set('Authorization', user.auth).expect(200);
    mongoose.set('debug', false);

    const search = seen.filter((query) => query.collection === 'search_entries');
    expect(search.length).toBeGreaterThan(0);
    expect(search.every((query) => query.readPreference === 'secondaryPreferred')).toBe(true);
    // A token lookup must see a revocation at once: it stays on the primary.
    expect(seen.filter((query) => query.collection !== 'search_entries').every((query) => query.readPreference === undefined)).toBe(true);
  });
});

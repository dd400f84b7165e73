import { settleCount } from './settle-count';

describe('settleCount', () => {
  it('stores the count once when the counter then agrees with the facts', async () => {
    let stored = 0;
    const store = jest.fn(async (count: number) => {
      stored = count;
    });
    expect(await settleCount({ count: async () => 4, store, stored: async () => stored })).toBe(4);
    expect(store).toHaveBeenCalledTimes(1);
  });

  it('stores again when a stale count from another job landed after its own write', async () => {
    let stored = 0;
    let writes = 0;
    const store = jest.fn(async (count: number) => {
      stored = writes++ === 0 ? 4 : count; // our first write of 8 is overwritten by a concurrent job's stale 4
    });
    expect(await settleCount({ count: async () => 8, store, stored: async () => stored })).toBe(8);
    expect(store).toHaveBeenCalledTimes(2);
    expect(stored).toBe(8);
  });

  it('counts again when the facts changed after it counted, until the counter agrees', async () => {
    const facts = [3, 5, 5, 5]; // a fact arrives between the first count and the check
    let stored = 0;
    const store = jest.fn(async (count: number) => {
      stored = count;
    });
    expect(await settleCount({ count: async () => facts.shift() ?? 5, store, stored: async () => stored })).toBe(5);
    expect(stored).toBe(5);
  });

  it('stops when the document is gone, and after a bounded number of rounds', async () => {
    const store = jest.fn(async () => undefined);
    await settleCount({ count: async () => 1, store, stored: async () => null });
    expect(store).toHaveBeenCalledTimes(1);
    store.mockClear();
    await settleCount({ count: async () => 1, store, stored: async () => 2 }, 3);
    expect(store).toHaveBeenCalledTimes(3);
  });
});

import { indexServes } from './query-plans';

describe('indexServes (the shape rule used where explain cannot show index use)', () => {
  const lt = { $lt: 'x' };
  it.each([
    ['equality then sort', { shakeId: 1, _id: -1 }, { shakeId: 'a', _id: lt }, { _id: -1 }, true],
    ['the sort reversed as a whole', { shakeId: 1, _id: -1 }, { shakeId: 'a' }, { _id: 1 }, true],
    ['$in on the prefix', { shakeId: 1, _id: -1 }, { shakeId: { $in: ['a', 'b'] } }, { _id: -1 }, true],
    ['several equality fields, null among them', { a: 1, b: 1, c: 1, _id: -1 }, { a: null, b: false, c: null }, { _id: -1 }, true],
    ['a sort over two fields', { magicAt: -1, _id: -1 }, { magicAt: { $ne: null } }, { magicAt: -1, _id: -1 }, true],
    ['no sort, the first key filtered', { sharedFileId: 1 }, { sharedFileId: 'a' }, {}, true],
    ['a range field before the sort', { shakeId: 1, _id: -1 }, { shakeId: { $gt: 'a' } }, { _id: -1 }, false],
    ['an unpinned prefix', { userId: 1, _id: -1 }, { other: 'a' }, { _id: -1 }, false],
    ['the sort in a mixed direction', { magicAt: -1, _id: -1 }, {}, { magicAt: -1, _id: 1 }, false],
    ['no sort, the first key not filtered', { a: 1, b: 1 }, { b: 1 }, {}, false],
    ['only the order, with nothing bounding the scan', { _id: 1 }, { title: 'x' }, { _id: -1 }, false],
  ] as const)('%s → %s', (_, keys, filter, sort, expected) => {
    expect(indexServes(keys as Record<string, number>, filter as Record<string, unknown>, sort as Record<string, 1 | -1>)).toBe(expected);
  });
});

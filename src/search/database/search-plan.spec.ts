import { planTiers } from './search-plan';

describe('planTiers', () => {
  it('puts whole-word matches before prefix matches of the last word', () => {
    expect(planTiers({ words: ['cafe'], filters: {} })).toEqual([{ keys: ['=cafe'] }, { keys: ['cafe'], without: '=cafe' }]);
  });

  it('needs every other word whole in both tiers, the longest driving', () => {
    expect(planTiers({ words: ['red', 'bicycle', 'la'], filters: {} })).toEqual([
      { keys: ['=bicycle', '=red', '=la'] },
      { keys: ['=bicycle', '=red', 'la'], without: '=la' },
    ]);
  });

  it('drives by a filter when there is one', () => {
    expect(planTiers({ words: ['sunset'], filters: { from: 'alice', in: 'trips' } })).toEqual([
      { keys: ['from:alice', 'in:trips', '=sunset'] },
      { keys: ['from:alice', 'in:trips', 'sunset'], without: '=sunset' },
    ]);
  });

  it('has no prefix tier for a last word of one letter (prefixes start at two)', () => {
    expect(planTiers({ words: ['new', 'y'], filters: {} })).toEqual([{ keys: ['=new', '=y'] }]);
  });

  it('lists by filters alone, and matches nothing when nothing is searchable', () => {
    expect(planTiers({ words: [], filters: { from: 'bob' } })).toEqual([{ keys: ['from:bob'] }]);
    expect(planTiers({ words: [], filters: {} })).toEqual([]);
  });
});

import { isReservedName } from '../../shakes/reserved-names';
import { isMediaPath, SHORT_MEDIA_PATHS } from './short-media-paths';

describe('short media paths', () => {
  it.each(Object.values(SHORT_MEDIA_PATHS))('/%s/<key> is reserved as a user or shake name', (path) => {
    expect(isReservedName(path)).toBe(true);
  });

  it('tells media URLs from the others', () => {
    for (const url of [
      '/r/Ab3dE5gH7j',
      '/t/Ab3dE5gH7j?x=1',
      '/s/Ab3dE5gH7j',
      '/api/v1/files/Ab3dE5gH7j/raw',
      '/api/v1/files/Ab3dE5gH7j/small',
    ]) {
      expect(isMediaPath(url)).toBe(true);
    }
    for (const url of [
      '/api/v1/files/Ab3dE5gH7j',
      '/api/v1/files/Ab3dE5gH7j/comments',
      '/r',
      '/rr/Ab3dE5gH7j',
      '/r/a/b',
      '/api/v1/files',
    ]) {
      expect(isMediaPath(url)).toBe(false);
    }
  });
});

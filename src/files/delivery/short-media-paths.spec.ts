import { isReservedName } from '../../shakes/reserved-names';
import { SHORT_MEDIA_PATHS } from './short-media-paths';

describe('short media paths', () => {
  it.each(Object.values(SHORT_MEDIA_PATHS))('/%s/<key> is reserved as a user or shake name', (path) => {
    expect(isReservedName(path)).toBe(true);
  });
});

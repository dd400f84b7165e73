import type { SearchDocument } from './search-document';
import { SearchIndexing } from './search-indexing';
import type { SearchKind } from './search-kinds';
import type { SearchRef, SearchService } from './search.service';
import type { SearchSources } from './sources/search-sources';

const doc = (title: string, extra: Partial<SearchDocument> = {}): SearchDocument => ({
  kind: 'file',
  id: '65f0c0ffee00000000000001',
  texts: [title],
  filters: {},
  original: true,
  nsfw: false,
  popularity: 0,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  hit: { username: title, shake: title, createdAt: '' },
  ...extra,
});

/** An index that records what it was told, in order. */
class RecordingIndex implements Pick<SearchService, 'upsert' | 'remove' | 'hideNsfwSource'> {
  readonly writes: string[] = [];
  async upsert(document: SearchDocument, rebuild?: number) {
    this.writes.push(`upsert ${document.texts[0]}${rebuild === undefined ? '' : ` @${rebuild}`}`);
  }
  async remove(ref: SearchRef) {
    this.writes.push(`remove ${ref.kind}`);
  }
  async hideNsfwSource(sourceId: string) {
    this.writes.push(`hide ${sourceId}`);
  }
}

/** Sources that answer each build with the next state of a script (the last one repeats). */
const scripted = (states: (SearchDocument | null)[]) => {
  let reads = 0;
  return { build: async (_kind: SearchKind, _id: string) => states[Math.min(reads++, states.length - 1)] } as unknown as SearchSources;
};

const indexing = (index: RecordingIndex, states: (SearchDocument | null)[]) =>
  new SearchIndexing(index as unknown as SearchService, scripted(states));

describe('SearchIndexing.indexOne', () => {
  it('writes once when the sources did not change meanwhile', async () => {
    const index = new RecordingIndex();
    await expect(indexing(index, [doc('a')]).indexOne('file', 'x', 7)).resolves.toBe('indexed');
    expect(index.writes).toEqual(['upsert a @7']);
  });

  it('writes again when the sources changed while it wrote (another job may have written the newer state first)', async () => {
    const index = new RecordingIndex();
    await indexing(index, [doc('old'), doc('new')]).indexOne('file', 'x');
    expect(index.writes).toEqual(['upsert old', 'upsert new']);
  });

  it('never leaves a post that was deleted meanwhile in the index', async () => {
    const index = new RecordingIndex();
    await expect(indexing(index, [doc('live'), null]).indexOne('file', 'x')).resolves.toBe('removed');
    expect(index.writes).toEqual(['upsert live', 'remove file']);
  });

  it('hides every post of NSFW bytes', async () => {
    const index = new RecordingIndex();
    await indexing(index, [doc('n', { nsfw: true, sourceId: 'src1' })]).indexOne('file', 'x');
    expect(index.writes).toEqual(['upsert n', 'hide src1']);
  });

  it('gives up (so that Bull retries later) when the sources never hold still', async () => {
    const index = new RecordingIndex();
    const states = Array.from({ length: 20 }, (_, i) => doc(`v${i}`));
    await expect(indexing(index, states).indexOne('file', 'x')).rejects.toThrow(/kept changing/);
    expect(index.writes).toHaveLength(5);
  });
});

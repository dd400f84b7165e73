import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import { type FilterQuery, type Model, mongo } from 'mongoose';
import { ServiceUnavailableError } from '../../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../../config/environment';
import { parseSearchQuery } from '../query/search-query';
import { rankOf } from '../ranking';
import type { SearchDocument } from '../search-document';
import { isSearchKind, kindOfType, type SearchKind } from '../search-kinds';
import type { SearchPage, SearchRef, SearchRequest, SearchService } from '../search.service';
import { entryKeys, filterKey } from './entry-keys';
import { decodeCursor, encodeCursor, type SearchPosition, searchFingerprint } from './search-cursor';
import { SearchEntry } from './search-entry.schema';
import { type KeyTier, planTiers } from './search-plan';
import { isDuplicateKeyError } from '../../common/errors/duplicate-key';

/** MaxTimeMSExpired: the server stopped the query at its time limit. */
const isTimeout = (error: unknown) => error instanceof mongo.MongoServerError && error.code === 50;

const tooSlow = () => new ServiceUnavailableError('The search took too long: try more specific words, or narrow it with from: or in:');

export const entryId = (ref: SearchRef): string => `${ref.kind}:${ref.id}`;

function refOf(id: string): SearchRef {
  const [kind, sourceId] = id.split(':');
  if (!isSearchKind(kind)) throw new Error(`not a search entry id: ${id}`);
  return { kind, id: sourceId };
}

export type EntryFields = Omit<SearchEntry, '_id' | 'rebuild' | 'indexedAt'>;

/** The stored form of a document: its keys and rank computed, everything else as given. */
export function entryFieldsOf(document: SearchDocument): EntryFields {
  const filterKeys = [
    ...(document.filters.from === undefined ? [] : [filterKey('from', document.filters.from)]),
    ...(document.filters.in ?? []).map((name) => filterKey('in', name)),
  ];
  return {
    kind: document.kind,
    keys: entryKeys(document.texts, filterKeys),
    rank: rankOf(document.popularity, document.createdAt),
    popularity: document.popularity,
    createdAt: document.createdAt,
    original: document.original,
    nsfw: document.nsfw,
    ...(document.sourceId === undefined ? {} : { sourceId: document.sourceId }),
    hit: document.hit,
  };
}

/**
 * Search over a collection in the same database (search_entries, see search-entry.schema.ts for its indexes),
 * within what FerretDB 1.x supports: no $text, $lookup, $facet or transactions. A search reads at most two
 * index-ordered ranges per page (whole-word tier, then prefix tier) and nothing else.
 */
@Injectable()
export class DatabaseSearchService implements SearchService {
  private readonly timeoutMs: number;
  private readonly readPreference: ResolvedEnvironment['MONGODB_SEARCH_READ_PREFERENCE'];

  constructor(
    @InjectModel(SearchEntry.name) private readonly entries: Model<SearchEntry>,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.timeoutMs = config.get('SEARCH_TIMEOUT_MS', { infer: true });
    this.readPreference = config.get('MONGODB_SEARCH_READ_PREFERENCE', { infer: true });
  }

  async search(request: SearchRequest): Promise<SearchPage> {
    const kind = kindOfType(request.type);
    const query = parseSearchQuery(request.q, request.type);
    const tiers = planTiers(query);
    const base = this.baseFilter(kind, request);
    const fingerprint = searchFingerprint({ base, tiers });
    const start = request.cursor === undefined ? undefined : decodeCursor(request.cursor, fingerprint, tiers.length);

    // limit + 1 entries tell whether there is a next page; the prefix tier is read only if the first runs out.
    // Both share one time budget, so no search holds the database for longer than SEARCH_TIMEOUT_MS.
    const deadline = Date.now() + this.timeoutMs;
    const found: { tier: number; entry: Pick<SearchEntry, '_id' | 'rank' | 'hit'> }[] = [];
    for (let tier = start?.tier ?? 0; tier < tiers.length && found.length <= request.limit; tier++) {
      const after = tier === start?.tier ? start : undefined;
      const budget = deadline - Date.now();
      if (budget <= 0) throw tooSlow();
      const entries = await this.entries
        .find({ ...base, ...this.keysFilter(tiers[tier]), ...(after ? this.after(after) : {}) }, { rank: 1, hit: 1 })
        .sort({ rank: -1, _id: -1 })
        .limit(request.limit + 1 - found.length)
        .maxTimeMS(budget)
        .read(this.readPreference)
        .lean<Pick<SearchEntry, '_id' | 'rank' | 'hit'>[]>()
        .exec()
        .catch((error: unknown) => {
          throw isTimeout(error) ? tooSlow() : error;
        });
      found.push(...entries.map((entry) => ({ tier, entry })));
    }

    const page = found.slice(0, request.limit);
    const last = page.at(-1);
    const next =
      found.length > request.limit && last
        ? encodeCursor(fingerprint, { tier: last.tier, rank: last.entry.rank, id: last.entry._id })
        : undefined;
    return { type: request.type, items: page.map(({ entry }) => entry.hit), next };
  }

  async upsert(document: SearchDocument, rebuild?: number): Promise<void> {
    const fields = entryFieldsOf(document);
    const write = () =>
      this.entries
        .updateOne({ _id: entryId(document) }, { $set: { ...fields, ...(rebuild === undefined ? {} : { rebuild }) } }, { upsert: true })
        .exec();
    try {
      await write();
    } catch (error) {
      // Two writers inserted the same new entry at once: the loser's upsert is now an update.
      if (!isDuplicateKeyError(error)) throw error;
      await write();
    }
  }

  async remove(ref: SearchRef): Promise<void> {
    await this.entries.deleteOne({ _id: entryId(ref) }).exec();
  }

  async hideNsfwSource(sourceId: string): Promise<void> {
    await this.entries.updateMany({ sourceId, nsfw: false }, { $set: { nsfw: true, 'hit.nsfw': true } }).exec();
  }

  async *unconfirmedBy(rebuild: number): AsyncIterable<SearchRef> {
    const cursor = this.entries
      .find({ rebuild: { $ne: rebuild } }, { _id: 1 })
      .sort({ _id: 1 })
      .lean()
      .cursor({ batchSize: 500 });
    for await (const entry of cursor) yield refOf((entry as { _id: string })._id);
  }

  count(): Promise<number> {
    return this.entries.countDocuments().exec();
  }

  /** Kind, visibility and the originals rule: the part of the filter every tier shares. */
  private baseFilter(kind: SearchKind, request: SearchRequest): FilterQuery<SearchEntry> {
    if (kind !== 'file') return { kind };
    return {
      kind,
      ...(request.visibility.nsfw ? {} : { nsfw: false }),
      ...(request.originalsOnly ? { original: true } : {}),
    };
  }

  /**
   * The driving key as a plain $eq (MongoDB bounds the index walk on it; FerretDB on PostgreSQL pushes it into
   * SQL, which it does not do for $all), the other keys as $all, the excluded one as $ne.
   */
  private keysFilter(tier: KeyTier): FilterQuery<SearchEntry> {
    const [driving, ...others] = tier.keys;
    return {
      keys: {
        $eq: driving,
        ...(others.length > 0 ? { $all: others } : {}),
        ...(tier.without === undefined ? {} : { $ne: tier.without }),
      },
    };
  }

  /** Strictly after the given entry in (rank desc, _id desc) order. */
  private after(position: SearchPosition): FilterQuery<SearchEntry> {
    return { $or: [{ rank: { $lt: position.rank } }, { rank: position.rank, _id: { $lt: position.id } }] };
  }
}

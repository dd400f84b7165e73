import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import type { SearchHit } from '../search-document';
import type { SearchKind } from '../search-kinds';

/**
 * One searchable thing (a post, a shake or a user) in the database search index. Written only by search jobs,
 * replaced whole from the current state of its sources each time; never read by anything but the search.
 */
@Schema({ collection: 'search_entries', timestamps: { createdAt: false, updatedAt: 'indexedAt' }, versionKey: false })
export class SearchEntry {
  /** "<kind>:<source id>": upserts and removals by a job address exactly one entry. */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  kind!: SearchKind;

  /** Whole terms ("=cafe"), their prefixes ("ca", "caf", "cafe") and filter values ("from:alice"); see entry-keys.ts. */
  @Prop({ type: [String], required: true })
  keys!: string[];

  /** log10(1 + popularity) + recency (ranking.ts), stored so that the index hands out entries in rank order. */
  @Prop({ required: true })
  rank!: number;

  /** The ranking inputs, kept for inspection and for a change of formula. */
  @Prop({ required: true }) popularity!: number;
  @Prop({ type: Date, required: true }) createdAt!: Date;

  /** False for saved copies of a post. */
  @Prop({ required: true })
  original!: boolean;

  @Prop({ required: true })
  nsfw!: boolean;

  /** Files: the stored bytes (NSFW belongs to them and reaches every post of them at once). */
  @Prop({ type: String })
  sourceId?: string;

  /** The rebuild (its start time) that last confirmed this entry; 0 if none did. */
  @Prop({ required: true, default: 0 })
  rebuild!: number;

  /** What a result shows, as of the last indexing. */
  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  hit!: SearchHit;

  indexedAt!: Date;
}

export const SearchEntrySchema = SchemaFactory.createForClass(SearchEntry);

/**
 * Serves every search: equality on kind and on the query's driving key (a filter value or the longest whole word,
 * see search-plan.ts), read in (rank, _id) order so that a page stops after limit + 1 matching entries, and a
 * cursor continues from (rank, _id). The other words are checked on the entries this walk reaches.
 */
SearchEntrySchema.index({ kind: 1, keys: 1, rank: -1, _id: -1 });
/** Serves hideNsfwSource: every post of one stored file. Sparse: shakes and users have no sourceId. */
SearchEntrySchema.index({ sourceId: 1 }, { sparse: true });
/** Serves a rebuild's last step: the entries it did not confirm (rebuild $ne its stamp: two ranges of this index). */
SearchEntrySchema.index({ rebuild: 1 });

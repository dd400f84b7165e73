import type { FileUrlsDto } from '../files/dto/file.dto';
import type { SearchKind } from './search-kinds';

/** What a file result shows: a snapshot taken when the post was last indexed. */
export interface FileHit {
  key: string;
  title: string;
  description: string;
  altText: string;
  tags: string[];
  owner: { username: string };
  shake: string;
  contentType: string;
  width: number;
  height: number;
  frames: number;
  likes: number;
  /** Shown only to viewers who opted in to NSFW files. */
  nsfw: boolean;
  urls: FileUrlsDto;
  createdAt: string;
}

export interface ShakeHit {
  name: string;
  title: string;
  description: string;
  type: string;
  owner: { username: string };
  followers: number;
  createdAt: string;
}

export interface UserHit {
  username: string;
  shake: string;
  createdAt: string;
}

export type SearchHit = FileHit | ShakeHit | UserHit;

/**
 * One searchable thing as any search engine needs it, built from the current state of its source documents.
 * Engine-independent: the database index turns it into an entry, a dedicated engine would take it as is.
 */
export interface SearchDocument {
  kind: SearchKind;
  /** The source's id (hex ObjectId of the post, shake or user). */
  id: string;
  /** Searchable texts, most important first (an engine may keep only the first terms of a very long text). */
  texts: string[];
  /** Lower-cased values the from: (owner) and in: (shake) filters match. */
  filters: { from?: string; in?: string[] };
  /** False for saved copies (files only). */
  original: boolean;
  nsfw: boolean;
  /** Files: the stored bytes, shared by identical uploads and saves; NSFW is a flag of these bytes. */
  sourceId?: string;
  /** Likes (files) or followers (shakes, users): the popularity half of the ranking. */
  popularity: number;
  createdAt: Date;
  hit: SearchHit;
}

/** Two builds of a document are equal when nothing a search can see differs. */
export const sameDocument = (a: SearchDocument | null, b: SearchDocument | null): boolean => JSON.stringify(a) === JSON.stringify(b);

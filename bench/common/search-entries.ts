import type { Connection } from 'mongoose';
import { type EntryFields, entryFieldsOf, entryId } from '../../src/search/database/database-search.service';
import type { SearchDocument } from '../../src/search/search-document';

const BATCH = 1000;

/**
 * Bulk-inserts into search_entries what the index jobs would have written for `documents` (through the
 * production entryFieldsOf), in unordered batches of 1000. `each` sees every document with its stored fields and
 * its running number (from 1) before its batch is written. Resolves to how many were inserted.
 */
export async function insertSearchEntries(
  connection: Connection,
  documents: Iterable<SearchDocument>,
  each?: (document: SearchDocument, fields: EntryFields, n: number) => void,
): Promise<number> {
  const collection = connection.collection('search_entries');
  const indexedAt = new Date();
  let batch: Record<string, unknown>[] = [];
  let count = 0;
  for (const document of documents) {
    const fields = entryFieldsOf(document);
    count += 1;
    each?.(document, fields, count);
    batch.push({ _id: entryId(document), ...fields, rebuild: 0, indexedAt });
    if (batch.length === BATCH) {
      await collection.insertMany(batch as never[], { ordered: false });
      batch = [];
    }
  }
  if (batch.length > 0) await collection.insertMany(batch as never[], { ordered: false });
  return count;
}

/**
 * Why GridFS on FerretDB is a poor store, with the numbers of `npm run bench:lookups` (FerretDB 1.24 on SQLite,
 * the embedded default): FerretDB pushes down only _id equality, so each read of a file's chunks decodes every
 * chunk in the bucket.
 */
export const GRIDFS_ON_FERRETDB_WARNING =
  'STORAGE_DRIVER=gridfs on FerretDB: every GridFS read scans all stored chunks (FerretDB uses no index for ' +
  'them), so serving files slows down as the store grows: reading one 16 kB file took 420 ms with 1,000 files ' +
  'stored and 2,300 ms with 5,000. ' +
  'Use STORAGE_DRIVER=local (one machine) or s3, or run MongoDB, where GridFS reads use their index.';

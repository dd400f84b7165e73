import { Error as MongooseError, mongo } from 'mongoose';

/**
 * Errors that say the database cannot be reached (no server to select, a connection lost mid-operation, an
 * operation that waited in Mongoose's buffer for a lost connection): the request failed for a passing reason and
 * may be tried again, so it answers 503.
 */
export const isDatabaseUnavailableError = (error: unknown): boolean =>
  error instanceof mongo.MongoNetworkError ||
  error instanceof mongo.MongoServerSelectionError ||
  error instanceof mongo.MongoTopologyClosedError ||
  error instanceof mongo.MongoNotConnectedError ||
  error instanceof MongooseError.MongooseServerSelectionError ||
  (error instanceof MongooseError && /buffering timed out after/.test(error.message));

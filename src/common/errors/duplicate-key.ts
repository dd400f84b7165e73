import { mongo } from 'mongoose';

/** A write refused by a unique index (E11000), on MongoDB and on FerretDB alike. */
export const isDuplicateKeyError = (error: unknown): boolean => error instanceof mongo.MongoServerError && error.code === 11000;

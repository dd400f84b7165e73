/** The shared ioredis client for health checks, rate limits and small counters (Bull keeps its own). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

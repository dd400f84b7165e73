import type { NestExpressApplication } from '@nestjs/platform-express';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { type ResolvedEnvironment, validateEnvironment } from '../../src/config/environment';
import type { RedisClient } from '../../src/common/redis/redis-connection';
import type { DisposableRedisCluster } from './redis-cluster';

/** A database name and Redis key prefix unique to this test file (and this run). */
function isolationFor(testFile: string): { database: string; prefix: string } {
  const slug = basename(testFile)
    .replace(/\.e2e-spec\.ts$/, '')
    .replace(/[^A-Za-z0-9]/g, '_')
    .slice(0, 30);
  const suffix = randomBytes(4).toString('hex');
  return { database: `malted_test_${slug}_${suffix}`, prefix: `malted-test:${slug}:${suffix}` };
}

export function mongoUriFor(database: string, base = process.env.MALTED_TEST_MONGODB_URI): string {
  if (!base) throw new Error('MALTED_TEST_MONGODB_URI is unset: run e2e tests through jest (globalSetup)');
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestUser {
  username: string;
  password: string;
  token: string;
  /** The Authorization header value. */
  auth: string;
}

export interface TestContextOptions {
  /** Run the apps on this Redis Cluster instead of the local Redis (its owner starts and stops it). */
  redisCluster?: DisposableRedisCluster;
}

/**
 * Everything one e2e test file needs: a validated environment pointing at its own database and Redis
 * prefix, app instances built the way main.ts builds them, and cleanup of the data it made.
 */
export class TestContext {
  readonly database: string;
  readonly prefix: string;
  /** The local driver's directory for apps that do not choose a store (local is the default driver). */
  readonly filesDir: string;
  /** DATA_DIR of this file's apps: development mail (no SMTP_URL) lands in its mail/ folder. */
  readonly dataDir: string;
  private readonly apps: NestExpressApplication[] = [];

  readonly redisCluster?: DisposableRedisCluster;

  constructor(testFile: string, options: TestContextOptions = {}) {
    ({ database: this.database, prefix: this.prefix } = isolationFor(testFile));
    this.redisCluster = options.redisCluster;
    this.filesDir = mkdtempSync(join(tmpdir(), 'malted-test-files-'));
    this.dataDir = join(tmpdir(), this.prefix.replace(/:/g, '-'));
  }

  environment(overrides: Record<string, string> = {}): ResolvedEnvironment {
    return validateEnvironment({
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      MONGODB_URI: mongoUriFor(this.database),
      REDIS_URL: process.env.MALTED_TEST_REDIS_URL,
      REDIS_KEY_PREFIX: this.prefix,
      STORAGE_LOCAL_DIR: this.filesDir,
      // Tests register and log in many users from one address; the rate-limit test lowers these again.
      RATE_LIMIT_PER_HOUR: '1000000',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000000',
      REGISTER_RATE_LIMIT_PER_HOUR: '1000000',
      MAIL_RATE_LIMIT_PER_HOUR: '1000000',
      // Test users upload, save and comment right after registering; test/mail/email-verification.e2e-spec.ts
      // checks the production default (unverified accounts may not upload) with this override removed.
      EMAIL_VERIFICATION_REQUIRED_FOR: 'none',
      DATA_DIR: this.dataDir,
      ...this.redisCluster?.env,
      ...overrides,
    }) as ResolvedEnvironment;
  }

  /** Boots the real application (same factory as production) and keeps it for close(). */
  async startApp(overrides: Record<string, string> = {}): Promise<NestExpressApplication> {
    const app = await createApp(this.environment(overrides));
    await app.init();
    this.apps.push(app);
    return app;
  }

  http(app: NestExpressApplication) {
    return request(app.getHttpServer());
  }

  /** Registers a fresh user (Novu's UserSession idea: each test gets its own). */
  async newUser(app: NestExpressApplication, name?: string): Promise<TestUser> {
    const username = name ?? `u${randomBytes(5).toString('hex')}`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const res = await this.http(app)
      .post('/api/v1/auth/register')
      .send({ username, email: `${username}@example.com`, password });
    if (res.status !== 201) throw new Error(`registering ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { username, password, token: res.body.token as string, auth: `Bearer ${res.body.token as string}` };
  }

  /** A new connection to the Redis the apps use (the cluster, if there is one), for looking at what they wrote. */
  redisClient(): RedisClient {
    return this.redisCluster ? this.redisCluster.client() : new Redis(process.env.MALTED_TEST_REDIS_URL!);
  }

  /** The keys matching a pattern in the Redis the apps use (on a cluster, on every master). */
  async redisKeys(pattern: string): Promise<string[]> {
    if (this.redisCluster) return this.redisCluster.keys(pattern);
    const redis = new Redis(process.env.MALTED_TEST_REDIS_URL!);
    try {
      return await redis.keys(pattern);
    } finally {
      await redis.quit();
    }
  }

  /** Closes one app now (e.g. while a server it uses is still up). */
  async closeApp(app: NestExpressApplication): Promise<void> {
    this.apps.splice(this.apps.indexOf(app), 1);
    await app.close();
  }

  /** Closes every app, drops this file's database, deletes its Redis keys and its local files. */
  async close(): Promise<void> {
    await Promise.all(this.apps.splice(0).map((app) => app.close()));
    rmSync(this.filesDir, { recursive: true, force: true });
    const connection = await mongoose.createConnection(mongoUriFor(this.database)).asPromise();
    await connection.dropDatabase();
    await connection.close();
    rmSync(this.dataDir, { recursive: true, force: true });
    if (this.redisCluster) return; // disposable: its owner stops it
    const redis = new Redis(process.env.MALTED_TEST_REDIS_URL!);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  }
}

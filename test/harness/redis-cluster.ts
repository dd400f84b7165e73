import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { eventually, freePort } from './servers';

const run = promisify(execFile);

/** Ports that were free a moment ago, all different. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * A private three-master Redis Cluster from the redis-server on PATH: each node on a free port (and a free cluster
 * bus port), with its own temporary folder and nodes.conf, no persistence and a password; joined with
 * `redis-cli --cluster create`, ready once every node reports `cluster_state:ok`.
 */
export class DisposableRedisCluster {
  readonly password = 'cluster-test-password';
  private readonly dir = mkdtempSync(join(tmpdir(), 'malted-redis-cluster-'));
  private children: ChildProcess[] = [];
  ports: number[] = [];

  /** What the app needs to use this cluster (and no REDIS_URL). */
  get env(): Record<string, string> {
    return {
      REDIS_URL: '',
      REDIS_CLUSTER_NODES: this.ports.map((port) => `127.0.0.1:${port}`).join(','),
      REDIS_CLUSTER_PASSWORD: this.password,
    };
  }

  async start(): Promise<void> {
    const ports = await freePorts(6);
    this.ports = ports.slice(0, 3);
    this.children = this.ports.map((port, i) => {
      const dir = join(this.dir, String(port));
      mkdirSync(dir);
      return spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--cluster-port',
          String(ports[3 + i]),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--requirepass',
          this.password,
          '--masterauth',
          this.password,
        ],
        { stdio: 'ignore' },
      );
    });
    for (const port of this.ports)
      await eventually(
        () => this.cli(port, 'PING').catch(() => ''),
        (reply) => reply === 'PONG',
      );
    await run('redis-cli', [
      '-a',
      this.password,
      '--no-auth-warning',
      '--cluster',
      'create',
      ...this.ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of this.ports) {
      await eventually(
        () => this.cli(port, 'CLUSTER', 'INFO'),
        (info) => info.includes('cluster_state:ok'),
        20_000,
      );
    }
  }

  /** A cluster client for tests to look at what the app wrote. */
  client(): Cluster {
    return new Cluster(
      this.ports.map((port) => ({ host: '127.0.0.1', port })),
      { redisOptions: { password: this.password } },
    );
  }

  /** Keys matching a pattern on every master (KEYS on a cluster client asks one node only). */
  async keys(pattern: string): Promise<string[]> {
    const found: string[] = [];
    for (const port of this.ports) found.push(...(await this.cli(port, '--raw', 'KEYS', pattern)).split('\n').filter(Boolean));
    return found;
  }

  /** The port of the master that holds this key's hash slot. */
  async portOf(key: string): Promise<number> {
    const slot = Number(await this.cli(this.ports[0], 'CLUSTER', 'KEYSLOT', key));
    // CLUSTER NODES: "<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges...>"
    for (const line of (await this.cli(this.ports[0], 'CLUSTER', 'NODES')).split('\n')) {
      const [, address, flags, , , , , , ...ranges] = line.split(' ');
      if (!flags?.includes('master')) continue;
      const holds = ranges.some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return slot >= from && slot <= to;
      });
      if (holds) return Number(address.split('@')[0].split(':')[1]);
    }
    throw new Error(`no master holds ${key} (slot ${slot})`);
  }

  async cli(port: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-p', String(port), '-a', this.password, '--no-auth-warning', ...args]);
    return stdout.trim();
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    this.children = [];
    rmSync(this.dir, { recursive: true, force: true });
  }
}

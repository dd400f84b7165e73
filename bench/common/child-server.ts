import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..');

export interface ChildServer {
  origin: string;
  pid: number;
  /** Closes its stdin, on which it shuts down; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript server script in its own process (so that the load generator does not share its event
 * loop) with only the given environment, PATH and HOME; resolves once it prints "READY <origin>".
 */
export function startChildServer(script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildServer> {
  const child = spawn(process.execPath, [...nodeArgs, '-r', 'ts-node/register/transpile-only', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.stdin!.end();
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve({ origin: line.slice(6), pid: child.pid!, stop });
    });
  });
}

/** CPU time (user + system, all threads) a process has used so far, in ms; undefined where /proc is not there. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND; // utime, stime
  } catch {
    return undefined;
  }
}

/** USER_HZ, 100 on every Linux build that matters. */
const CLOCK_TICKS_PER_SECOND = 100;

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildServer {
  origin: string;
  stop(): void;
}

/**
 * A server script in its own process (so the load generator does not share its event loop), run with ts-node;
 * resolves once it prints "READY <origin>". Closing its stdin stops it.
 */
export function startChildServer(script: string, cwd: string, env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', script], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve({ origin: line.slice(6), stop: () => child.stdin!.end() });
    });
  });
}

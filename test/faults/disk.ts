import { execFileSync } from 'node:child_process';
import { appendFileSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

/** The file that fills a disk; the scenarios leave it out when they look for what the app left behind. */
export const BALLAST = 'fault-ballast';

/**
 * Mounts a tmpfs of `size` (as mount takes it: 8m) on `dir`, so a scenario can fill it. Needs root, as the suite
 * runs in CI and on the developers' machines; anywhere else the scenario fails here rather than test another disk.
 */
export function mountTmpfs(dir: string, size: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`The full-disk scenario mounts a ${size} tmpfs on ${dir} and needs root for it: mount refused (${stderr ?? error})`, {
      cause: error,
    });
  }
}

/** Unmounts `dir` if it is a mount point (lazily: a process killed a moment ago may still hold a file there). */
export function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } catch {
    // not mounted
  }
}

export function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/**
 * Keeps the disk of `dir` full but for `leaveBytes` until the returned function is called (which frees it all
 * again): what the app's own files free meanwhile is taken up again within 50 ms, as by another writer.
 */
export function keepFull(dir: string, leaveBytes: number): () => void {
  const ballast = join(dir, BALLAST);
  const topUp = () => {
    const size = freeBytes(dir) - leaveBytes;
    if (size <= 0) return;
    try {
      appendFileSync(ballast, Buffer.alloc(size, 0x5a));
    } catch (error) {
      // the app took the room first: the disk is full anyway
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    }
  };
  topUp();
  const timer = setInterval(topUp, 50).unref();
  return () => {
    clearInterval(timer);
    rmSync(ballast, { force: true });
  };
}

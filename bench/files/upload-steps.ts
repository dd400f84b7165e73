/**
 * npm run bench:upload-steps: the CPU and wall time of each step an upload takes after its bytes arrived, for
 * the 1.0 MB photo-like JPEGs of bench:files, one at a time in this process (no HTTP, no database): writing the
 * temporary file, the inspector's header read and full verification, the GPS strip, the SHA-256 of the file,
 * and the local driver's write. Knobs: BENCH_REPEATS (20).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { sha256OfFile } from '../../src/files/file-hash';
import { stripGpsLocation } from '../../src/files/images/gps-stripper';
import { ImageInspector } from '../../src/files/images/image-inspector';
import { LocalDiskStorage } from '../../src/files/storage/local-disk.storage';
import { photoLikeJpeg, stampedJpeg } from './images';
import { runBench } from '../common/run-bench';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 20);
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  sharp.concurrency(1); // one upload's cost, not how well libvips spreads it over the cores
  const dir = await mkdtemp(join(tmpdir(), 'malted-upload-steps-'));
  try {
    const storage = await new LocalDiskStorage(join(dir, 'store')).init();
    const inspector = new ImageInspector(100_000_000);
    const photo = await photoLikeJpeg(1);
    say(`1600x1200 JPEG of ${(photo.length / 1e6).toFixed(2)} MB, ${REPEATS} runs, sharp concurrency 1; CPU ms (wall ms), median`);
    const steps: Record<string, (path: string) => Promise<unknown>> = {
      'write the temporary file': (path) => writeFile(path, stampedJpeg(photo, path)),
      'inspect (header + full verification)': (path) => inspector.inspect(path, 'image/jpeg'),
      'strip GPS': (path) => stripGpsLocation(path),
      'SHA-256 of the file': (path) => sha256OfFile(path),
      'local driver write (fsync)': (path) =>
        storage.write(`k${randomBytes(6).toString('hex')}`, createReadStream(path), { contentType: 'image/jpeg' }),
    };
    const cpu: Record<string, number[]> = {};
    const wall: Record<string, number[]> = {};
    for (let run = 0; run < REPEATS; run++) {
      const path = join(dir, `upload-${run}`);
      for (const [name, step] of Object.entries(steps)) {
        const started = performance.now();
        const before = process.cpuUsage();
        await step(path);
        const used = process.cpuUsage(before);
        (cpu[name] ??= []).push((used.user + used.system) / 1000);
        (wall[name] ??= []).push(performance.now() - started);
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    for (const name of Object.keys(steps)) say(`  ${name}: ${median(cpu[name]).toFixed(1)} (${median(wall[name]).toFixed(1)})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

runBench(main);

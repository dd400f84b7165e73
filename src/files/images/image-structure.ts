import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { ImageMimeType } from './image-types';

/**
 * Structural checks that decoders skip. libvips decodes a PNG whose IEND is missing, a GIF cut anywhere after
 * its first frame's start (it shows what arrived) and a JPEG cut between two scans of a progressive stream
 * (libjpeg only warns of the premature end) as if they were whole. So, for a file that decodes, walk its
 * container to its end: a PNG's every chunk complete with its CRC right and IEND reached; a GIF's every block
 * complete up to the trailer; a JPEG's every segment and scan complete up to EOI. Bytes after the end (a ZIP
 * appended, as some phones and polyglots do) are allowed: they are never decoded, and served files cannot be
 * run (see the serving headers). WebP (RIFF sizes) and AVIF (box sizes) are already refused when cut by their
 * decoders. Reads the file once, in windows: memory does not grow with the file.
 * Returns what is wrong, or null.
 */
export async function structuralProblem(path: string, type: ImageMimeType): Promise<string | null> {
  const check = CHECKS[type];
  if (!check) return null;
  const handle = await open(path, 'r');
  try {
    const reader = new WindowedReader(handle, (await handle.stat()).size);
    return await check(reader);
  } finally {
    await handle.close();
  }
}

const WINDOW = 1 << 20;

class WindowedReader {
  private window = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /** `length` bytes at `position` (fewer at the end of the file). */
  async bytes(position: number, length: number): Promise<Buffer> {
    if (position < this.start || position + length > this.start + this.window.length) {
      const want = Math.max(length, WINDOW);
      const buffer = Buffer.allocUnsafe(Math.min(want, Math.max(0, this.size - position)));
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, position);
      this.window = buffer.subarray(0, bytesRead);
      this.start = position;
    }
    return this.window.subarray(position - this.start, position - this.start + length);
  }
}

type Check = (reader: WindowedReader) => Promise<string | null>;

const CHECKS: Partial<Record<ImageMimeType, Check>> = {
  'image/png': checkPng,
  'image/gif': checkGif,
  'image/jpeg': checkJpeg,
};

async function checkPng(reader: WindowedReader): Promise<string | null> {
  for (let at = 8; ;) {
    const head = await reader.bytes(at, 8);
    if (head.length < 8) return 'the PNG ends before its IEND chunk';
    const length = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (at + 12 + length > reader.size) return `the PNG is cut inside its ${type} chunk`;
    let crc = crc32(head.subarray(4, 8));
    for (let done = 0; done < length;) {
      const piece = await reader.bytes(at + 8 + done, Math.min(WINDOW, length - done));
      crc = crc32(piece, crc);
      done += piece.length;
    }
    if ((await reader.bytes(at + 8 + length, 4)).readUInt32BE(0) !== crc) return `the PNG's ${type} chunk fails its CRC`;
    at += 12 + length;
    if (type === 'IEND') return null;
  }
}

async function checkGif(reader: WindowedReader): Promise<string | null> {
  const screen = await reader.bytes(6, 7);
  if (screen.length < 7) return 'the GIF ends inside its header';
  let at = 13 + colourTableSize(screen[4]!);
  const subBlocks = async (): Promise<boolean> => {
    for (;;) {
      const size = (await reader.bytes(at, 1))[0];
      if (size === undefined) return false;
      at += 1 + size;
      if (size === 0) return at <= reader.size;
    }
  };
  for (;;) {
    const introducer = (await reader.bytes(at, 1))[0];
    if (introducer === undefined) return 'the GIF ends before its trailer';
    if (introducer === 0x3b) return null;
    if (introducer === 0x21) {
      at += 2; // introducer, label
      if (!(await subBlocks())) return 'the GIF is cut inside an extension';
    } else if (introducer === 0x2c) {
      const descriptor = await reader.bytes(at, 10);
      if (descriptor.length < 10) return 'the GIF is cut inside an image descriptor';
      at += 10 + colourTableSize(descriptor[9]!) + 1; // descriptor, local colour table, LZW minimum code size
      if (!(await subBlocks())) return 'the GIF is cut inside a frame';
    } else {
      return `the GIF has an unknown block (0x${introducer.toString(16)})`;
    }
  }
}

const colourTableSize = (packed: number) => (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);

async function checkJpeg(reader: WindowedReader): Promise<string | null> {
  let at = 2; // SOI
  for (;;) {
    const marker = await reader.bytes(at, 4);
    if (marker.length < 2) return 'the JPEG ends before its EOI marker';
    if (marker[0] !== 0xff) return 'the JPEG has bytes where a marker should be';
    const code = marker[1]!;
    if (code === 0xd9) return null; // EOI
    if (code === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (code === 0x01 || (code >= 0xd0 && code <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker.length < 4) return 'the JPEG is cut inside a marker';
    at += 2 + marker.readUInt16BE(2);
    if (at > reader.size) return 'the JPEG is cut inside a segment';
    if (code !== 0xda) continue;
    const end = await endOfScan(reader, at);
    if (end < 0) return 'the JPEG is cut inside a scan';
    at = end;
  }
}

/**
 * Where the entropy-coded data that starts at `at` ends (the 0xFF of the next marker), or -1 if the file ends
 * first. In it, 0xFF is followed by 0x00 (a stuffed byte), a restart marker or another 0xFF (fill). A photo has
 * thousands of stuffed bytes: each window is scanned synchronously, so that costs no await per byte.
 */
async function endOfScan(reader: WindowedReader, start: number): Promise<number> {
  for (let at = start; at < reader.size;) {
    const chunk = await reader.bytes(at, Math.min(WINDOW, reader.size - at));
    let ff = chunk.indexOf(0xff);
    while (ff >= 0 && ff + 1 < chunk.length) {
      const next = chunk[ff + 1]!;
      if (next !== 0x00 && next !== 0xff && (next < 0xd0 || next > 0xd7)) return at + ff;
      ff = chunk.indexOf(0xff, ff + (next === 0xff ? 1 : 2));
    }
    if (ff < 0) at += chunk.length;
    else if (at + ff + 1 >= reader.size) return -1;
    else at += ff; // the 0xFF ends this window: read on from it, with the byte after it
  }
  return -1;
}

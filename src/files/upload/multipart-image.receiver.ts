import busboy, { type Busboy } from 'busboy';
import { createHash, type Hash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import { ShuttingDownError } from '../../common/http/shutdown-cut-off';
import { InsufficientStorageError } from '../../common/errors/domain-errors';
import { isNoSpaceError } from '../../common/errors/no-space';
import { InvalidImageError, UnsupportedMediaTypeError } from '../images/image-errors';
import type { ImageMimeType } from '../images/image-types';
import { assertPixelsWithin } from '../images/pixel-limit';
import { ImageHeadSniffer } from './image-head-sniffer';
import { BadMultipartError, UploadAbortedError, UploadBodyTooLargeError, UploadTooLargeError } from './upload-errors';
import { addUploadField, UPLOAD_FIELD_MAX_BYTES, UPLOAD_FIELD_MAX_LENGTHS, type UploadFields } from './upload-fields';
import type { UploadLimits } from './upload-limits';

/** An upload on disk whose type, size and dimensions passed the limits. The caller owns `path` and removes it. */
export interface ReceivedImage {
  path: string;
  size: number;
  /** Hex SHA-256 of the bytes as received (computed on the way to the file, so it is never read again for it). */
  sha256: string;
  type: ImageMimeType;
  width: number;
  height: number;
  fields: UploadFields;
  /** The name the client gave the file, cleaned (no path, no control characters, at most 200 characters), if any. */
  fileName: string | null;
}

/** The last path segment of a client's file name, without control characters, at most 200 characters; null if empty. */
export function cleanFileName(name: string | undefined): string | null {
  const last = (name ?? '').split(/[\\/]/).pop()!;
  const base = [...last]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 200);
  return base === '' || base === '.' || base === '..' ? null : base;
}

/**
 * Receives a multipart/form-data upload of one image (part `file`) and its text fields.
 *
 * Guarantees:
 * - the file is streamed to a new temporary file (mode 0600) in `tmpDir` and hashed (SHA-256) on the way; at
 *   most about 1 MiB of its head is held in memory, never the whole file;
 * - the byte limit (or a tighter allowance: what is left of a quota), the type (from content only: JPEG, PNG,
 *   GIF, WebP, AVIF) and the pixel limit (from the header) are enforced while the bytes arrive: the first bytes
 *   past a limit end the upload;
 * - only the fields title, description, altText and shake are accepted, each once and capped in length; one file;
 * - the whole request is capped too (a file at the limit, every field at its longest and the multipart framing):
 *   busboy cuts a long field but reads it to its end, so a field that never ended was read for ever;
 * - on any rejection, client abort or shutdown cut-off it stops reading the request (the rest of the body stays
 *   unread, so the response must close the connection, which the global exception filter does) and deletes the
 *   temporary file before the promise rejects; nothing is left behind. A full `tmpDir` is an InsufficientStorageError (507).
 * It does not decode the image: a truncated file with a valid header passes here and is refused by the
 * ImageInspector.
 */
/** A tighter byte limit for one upload (what is left of a quota), with the error it is refused with. */
export interface ByteAllowance {
  maxBytes: number;
  exceeded: () => Promise<Error>;
}

/** Room for the part headers and boundaries around the file and the fields. */
const FRAMING_BYTES = 64 * 1024;

export class MultipartImageReceiver {
  /** The most a whole upload request may be: a file at the configured limit and every field at its longest. */
  private readonly maxRequestBytes: number;

  /** `cutOff`: once aborted, uploads still arriving are refused with ShuttingDownError (503), as if over a limit. */
  constructor(
    private readonly limits: UploadLimits,
    private readonly cutOff?: AbortSignal,
  ) {
    this.maxRequestBytes = limits.maxBytes + Object.keys(UPLOAD_FIELD_MAX_LENGTHS).length * UPLOAD_FIELD_MAX_BYTES + FRAMING_BYTES;
  }

  async receive(req: IncomingMessage, allowance?: ByteAllowance): Promise<ReceivedImage> {
    const tighter = allowance && allowance.maxBytes < this.limits.maxBytes ? allowance : undefined;
    const maxBytes = tighter?.maxBytes ?? this.limits.maxBytes;
    // A declared length no file within the limit can reach: refused before a byte is read.
    if (Number(req.headers['content-length']) > this.maxRequestBytes) {
      throw tighter ? await tighter.exceeded() : new UploadTooLargeError(maxBytes);
    }
    const parser = this.createParser(req, maxBytes);
    const path = join(this.limits.tmpDir, `malted-upload-${randomUUID()}`);
    const output = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    try {
      await once(output, 'open');
      const received = await this.readUpload(req, parser, output, path, maxBytes);
      if (received.width === 0) await this.readDimensionsFromFile(received);
      return received;
    } catch (error) {
      output.destroy();
      await finished(output).catch(() => undefined);
      await rm(path, { force: true });
      if (tighter && error instanceof UploadTooLargeError) throw await tighter.exceeded();
      if (isNoSpaceError(error))
        throw new InsufficientStorageError('The server has no room to receive the upload just now; try again later');
      throw error;
    }
  }

  private createParser(req: IncomingMessage, maxBytes: number): Busboy {
    if (!/^multipart\/form-data\s*;/i.test(req.headers['content-type'] ?? '')) {
      throw new UnsupportedMediaTypeError('Upload the image as multipart/form-data with the file in a part named "file"');
    }
    try {
      return busboy({
        headers: req.headers,
        limits: {
          // busboy reports "limit" when a file reaches fileSize, so one byte more means "passed the limit".
          fileSize: maxBytes + 1,
          files: 1,
          fields: Object.keys(UPLOAD_FIELD_MAX_LENGTHS).length,
          fieldSize: UPLOAD_FIELD_MAX_BYTES,
          fieldNameSize: 100,
          headerPairs: 100,
        },
      });
    } catch (error) {
      throw new BadMultipartError(`Malformed multipart request: ${(error as Error).message}`);
    }
  }

  private readUpload(req: IncomingMessage, parser: Busboy, output: WriteStream, path: string, maxBytes: number): Promise<ReceivedImage> {
    return new Promise((resolve, reject) => {
      const sniffer = new ImageHeadSniffer(this.limits.maxPixels);
      const hash = createHash('sha256');
      const fields: UploadFields = {};
      const stopFile = new AbortController();
      let fileWritten: Promise<void> | undefined;
      let fileName: string | null = null;
      let settled = false;

      const shuttingDown = () => fail(new ShuttingDownError());
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        this.cutOff?.removeEventListener('abort', shuttingDown);
        req.unpipe(parser);
        req.pause();
        // Not from inside a busboy event handler: busboy still uses its state after emitting.
        process.nextTick(() => {
          stopFile.abort();
          parser.destroy();
        });
        reject(error);
      };
      const succeed = () => {
        if (settled) return;
        settled = true;
        this.cutOff?.removeEventListener('abort', shuttingDown);
        const { size, type, width = 0, height = 0 } = sniffer;
        resolve({ path, size, sha256: hash.digest('hex'), type: type!, width, height, fields, fileName });
      };

      // Listeners stay attached after a failure so that late errors are swallowed rather than thrown.
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > this.maxRequestBytes) fail(new UploadBodyTooLargeError(this.maxRequestBytes));
      });
      req.on('error', () => fail(new UploadAbortedError()));
      req.on('close', () => {
        if (!req.complete) fail(new UploadAbortedError());
      });
      parser.on('error', (error: Error) => fail(new BadMultipartError(`Malformed multipart body: ${error.message}`)));
      parser.on('filesLimit', () => fail(new BadMultipartError('Only one file may be uploaded per request')));
      parser.on('fieldsLimit', () => fail(new BadMultipartError('Too many fields in the upload')));
      parser.on('field', (name, value, info) => {
        try {
          addUploadField(fields, name, value, info.valueTruncated || info.nameTruncated);
        } catch (error) {
          fail(error);
        }
      });
      parser.on('file', (name, stream, info) => {
        if (name !== 'file') {
          stream.on('error', () => undefined).resume();
          fail(new BadMultipartError(`Unexpected file field "${name}"; send the image in a part named "file"`));
          return;
        }
        fileName = cleanFileName(info.filename);
        stream.on('limit', () => fail(new UploadTooLargeError(maxBytes)));
        fileWritten = pipeline(stream, sniffing(sniffer, hash), output, { signal: stopFile.signal });
        fileWritten.catch(fail);
      });
      parser.on('finish', () => {
        if (!fileWritten) fail(new BadMultipartError('No file: send the image in a part named "file"'));
        else fileWritten.then(succeed, fail);
      });

      if (req.readableAborted || (req.destroyed && !req.complete)) fail(new UploadAbortedError());
      else if (this.cutOff?.aborted) shuttingDown();
      else {
        this.cutOff?.addEventListener('abort', shuttingDown);
        req.pipe(parser);
      }
    });
  }

  /** For the rare header longer than the sniffer keeps: read it from the file (header only, nothing decoded). */
  private async readDimensionsFromFile(received: ReceivedImage): Promise<void> {
    const { width, height } = await sharp(received.path)
      .metadata()
      .catch(() => ({ width: 0, height: 0 }));
    if (!width || !height) throw new InvalidImageError(`The ${received.type} file is corrupt: its dimensions cannot be read`);
    assertPixelsWithin(width, height, this.limits.maxPixels);
    Object.assign(received, { width, height });
  }
}

function sniffing(sniffer: ImageHeadSniffer, hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      sniffer.write(chunk).then(() => callback(null, chunk), callback);
    },
    flush(callback) {
      sniffer.end().then(() => callback(), callback);
    },
  });
}

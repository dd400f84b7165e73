import type { ArgumentsHost } from '@nestjs/common';
import express, { type Request, type Response } from 'express';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { makeAnimation, makeImage, pngHeader, withLargeJpegPreamble, type TestFormat } from '../../../test/support/images';
import { AllExceptionsFilter } from '../../common/filters/all-exceptions.filter';
import { ImageInspector } from '../images/image-inspector';
import { cleanFileName, MultipartImageReceiver, type ReceivedImage } from './multipart-image.receiver';
import { ShuttingDownError } from '../../common/http/shutdown-cut-off';
import { UploadAbortedError } from './upload-errors';
import type { UploadLimits } from './upload-limits';

const MiB = 1024 * 1024;
const DEFAULT_LIMITS = { maxBytes: 30 * MiB, maxPixels: 100_000_000 };

/** A real HTTP server whose one route receives an upload (and inspects it with ?inspect=1), errors through the real filter. */
class UploadServer {
  server!: Server;
  tmpDir!: string;
  /** The outcome of the latest receive() and the bytes its connection read from the network in the end. */
  lastReceive?: Promise<ReceivedImage>;
  lastBytesRead?: Promise<number>;

  constructor(
    private readonly limits: Omit<UploadLimits, 'tmpDir'> = DEFAULT_LIMITS,
    private readonly cutOff?: AbortSignal,
  ) {}

  async start(): Promise<void> {
    this.tmpDir = await mkdtemp(join(tmpdir(), 'malted-receive-'));
    const receiver = new MultipartImageReceiver({ ...this.limits, tmpDir: this.tmpDir }, this.cutOff);
    const inspector = new ImageInspector(this.limits.maxPixels);
    const filter = new AllExceptionsFilter();
    jest.spyOn(filter['logger'], 'error').mockImplementation(() => undefined);

    const app = express();
    app.post('/upload', (req: Request, res: Response) => {
      const socket = req.socket;
      this.lastBytesRead = new Promise((resolve) => socket.once('close', () => resolve(socket.bytesRead)));
      this.lastReceive = receiver.receive(req);
      this.lastReceive
        .then(async (image) => {
          if (req.query.inspect)
            await inspector.inspect(image.path, image.type).catch(async (error) => {
              await rm(image.path);
              throw error;
            });
          res.status(201).json(image);
        })
        .catch((error) => filter.catch(error, httpHost(req, res)));
      this.lastReceive.catch(() => undefined);
    });
    this.server = app.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    await rm(this.tmpDir, { recursive: true, force: true });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  leftovers(): Promise<string[]> {
    return readdir(this.tmpDir);
  }
}

function httpHost(req: Request, res: Response): ArgumentsHost {
  return { getType: () => 'http', switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as unknown as ArgumentsHost;
}

interface StreamedResult {
  status?: number;
  headers?: IncomingHttpHeaders;
  body?: { message?: string };
  error?: Error;
  sentBytes: number;
}

/**
 * Posts a multipart body whose file part is `head` followed by zeros up to `fileBytes`, written in 64 KiB
 * pieces as the server takes them; stops writing as soon as a response arrives. `abortAfter` destroys the
 * request after that many bytes instead.
 */
function postStreaming(port: number, head: Buffer, fileBytes: number, abortAfter?: number): Promise<StreamedResult> {
  const boundary = 'malted-test-boundary';
  const preamble = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`);
  const total = preamble.length + fileBytes + epilogue.length;
  return new Promise((resolve) => {
    const result: StreamedResult = { sentBytes: 0 };
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/upload',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': total },
    });
    req.on('response', (res) => {
      result.status = res.statusCode;
      result.headers = res.headers;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (piece) => (text += piece));
      res.on('end', () => resolve({ ...result, body: JSON.parse(text) }));
    });
    req.on('error', (error) => {
      if (result.status === undefined) resolve({ ...result, error });
    });
    (async () => {
      const zeros = Buffer.alloc(64 * 1024);
      const pieces = function* () {
        yield preamble;
        yield head;
        for (let left = fileBytes - head.length; left > 0; left -= zeros.length) yield zeros.subarray(0, Math.min(left, zeros.length));
        yield epilogue;
      };
      for (const piece of pieces()) {
        if (result.status !== undefined || req.destroyed) return;
        if (abortAfter !== undefined && result.sentBytes >= abortAfter) {
          req.destroy();
          resolve(result);
          return;
        }
        result.sentBytes += piece.length;
        if (!req.write(piece)) await new Promise((next) => (req.once('drain', next), req.once('close', next)));
      }
      req.end();
    })();
  });
}

function upload(server: UploadServer, file: Buffer, filename = 'image', contentType = 'application/octet-stream') {
  return request(server.server).post('/upload').attach('file', file, { filename, contentType });
}

describe('MultipartImageReceiver', () => {
  const server = new UploadServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());
  afterEach(async () => {
    for (const file of await server.leftovers()) await rm(join(server.tmpDir, file));
  });

  describe('accepts', () => {
    const images: [string, () => Promise<Buffer>, string][] = [
      ...(['jpeg', 'png', 'webp', 'avif'] as TestFormat[]).map(
        (format) =>
          [format, () => makeImage(format, { width: 160, height: 120 }), `image/${format}`] as [string, () => Promise<Buffer>, string],
      ),
      ['animated gif', async () => await makeAnimation('gif', 3, 160, 120), 'image/gif'],
    ];

    it.each(images)('a %s, streamed to a temporary file with its size, type and dimensions', async (_, make, type) => {
      const bytes = await make();
      const res = await upload(server, bytes).expect(201);
      expect(res.body).toEqual({
        path: expect.any(String),
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        type,
        width: 160,
        height: 120,
        fields: {},
        fileName: 'image',
      });
      expect(res.body.path.startsWith(server.tmpDir)).toBe(true);
      expect((await readFile(res.body.path)).equals(bytes)).toBe(true);
    });

    it('the optional text fields next to the file', async () => {
      const res = await request(server.server)
        .post('/upload')
        .field('title', 'Malted milk ☕')
        .field('description', 'A #drink')
        .attach('file', await makeImage('png'), 'x.png')
        .field('altText', 'a glass')
        .field('shake', 'drinks')
        .expect(201);
      expect(res.body.fields).toEqual({ title: 'Malted milk ☕', description: 'A #drink', altText: 'a glass', shake: 'drinks' });
    });

    it('a JPEG whose frame header comes after more than 1 MiB of other segments', async () => {
      const jpeg = withLargeJpegPreamble(await makeImage('jpeg', { width: 160, height: 120 }), 1.5 * MiB);
      const res = await upload(server, jpeg).expect(201);
      expect(res.body).toMatchObject({ type: 'image/jpeg', width: 160, height: 120, size: jpeg.length });
    });

    it('a truncated JPEG (it has a valid header), which the inspector then refuses with 422', async () => {
      const jpeg = await makeImage('jpeg', { width: 300, height: 200 });
      const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
      await upload(server, truncated).expect(201);
      const res = await request(server.server).post('/upload?inspect=1').attach('file', truncated, 'cut.jpg').expect(422);
      expect(res.body.message).toMatch(/truncated or corrupt/);
    });
  });

  describe('refuses by content whatever the name and declared type say', () => {
    it.each([
      ['SVG with a script', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
      ['HTML', '<!doctype html><html><body><img src=x onerror=alert(1)></body></html>'],
      ['text', 'just words, no pixels '.repeat(400)],
      ['PDF', '%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF'],
      ['TIFF', Buffer.from('49492a00080000000000', 'hex')],
    ])('%s sent as image/png named .png: 415', async (_, content) => {
      const res = await upload(server, Buffer.from(content), 'picture.png', 'image/png').expect(415);
      expect(res.body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
      expect(res.body.message).toMatch(/Only JPEG, PNG, GIF, WebP and AVIF images are accepted/);
      expect(await server.leftovers()).toEqual([]);
    });

    it('an empty file: 422', async () => {
      const res = await upload(server, Buffer.alloc(0), 'empty.png', 'image/png').expect(422);
      expect(res.body.message).toBe('The file is empty');
      expect(await server.leftovers()).toEqual([]);
    });

    it('a request that is not multipart: 415', async () => {
      await request(server.server)
        .post('/upload')
        .set('content-type', 'image/png')
        .send(await makeImage('png'))
        .expect(415);
    });
  });

  describe('refuses malformed uploads with 400 and leaves nothing behind', () => {
    it.each([
      ['an unknown field', (r: request.Test) => r.field('owner', 'admin'), /Unknown field "owner"/],
      ['a field sent twice', (r: request.Test) => r.field('title', 'a').field('title', 'b'), /"title" was sent more than once/],
      ['a title over 250 characters', (r: request.Test) => r.field('title', 'x'.repeat(251)), /"title" is longer than 250/],
      ['a second file', (r: request.Test) => r.attach('file', Buffer.from('GIF89a'), 'b.gif'), /Only one file/],
      [
        'a fifth field',
        (r: request.Test) => r.field('title', 'a').field('description', 'b').field('altText', 'c').field('shake', 'd').field('x', 'e'),
        /Too many fields/,
      ],
    ])('%s', async (_, add, message) => {
      const res = await add(
        request(server.server)
          .post('/upload')
          .attach('file', Buffer.concat([await makeImage('png'), Buffer.alloc(100_000)]), 'a.png'),
      );
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(message);
      expect(await server.leftovers()).toEqual([]);
    });

    it('the image in a part not named "file"', async () => {
      const res = await request(server.server)
        .post('/upload')
        .attach('image', await makeImage('png'), 'a.png')
        .expect(400);
      expect(res.body.message).toMatch(/Unexpected file field "image"/);
    });

    it('a "file" part without a filename (a text field)', async () => {
      const res = await request(server.server).post('/upload').field('file', 'iVBORw0KGgo=').expect(400);
      expect(res.body.message).toMatch(/must be a file/);
    });

    it('no file at all', async () => {
      const res = await request(server.server).post('/upload').field('title', 'nothing').expect(400);
      expect(res.body.message).toMatch(/No file/);
    });

    it('a body cut before its closing boundary', async () => {
      const body = `--b\r\nContent-Disposition: form-data; name="file"; filename="a.gif"\r\n\r\nGIF89a`;
      const res = await request(server.server)
        .post('/upload')
        .set('content-type', 'multipart/form-data; boundary=b')
        .send(body)
        .expect(400);
      expect(res.body.message).toMatch(/Malformed multipart body/);
      expect(await server.leftovers()).toEqual([]);
    });
  });

  describe('enforces the size limit while the bytes arrive', () => {
    it('31 MiB at the default 30 MiB limit: 413, and the rest is never read', async () => {
      const body = 31 * MiB;
      const result = await postStreaming(server.port, await makeImage('png'), body);
      expect(result.status).toBe(413);
      expect(result.body?.message).toBe('The file is larger than the limit of 30 MB');
      expect(result.headers?.connection).toBe('close');
      await expect(server.lastReceive).rejects.toThrow('larger than the limit');
      expect(await server.lastBytesRead).toBeLessThan(body);
      expect(await server.leftovers()).toEqual([]);
    });

    describe('with a 1 MiB limit', () => {
      const small = new UploadServer({ maxBytes: MiB, maxPixels: 100_000_000 });
      beforeAll(() => small.start());
      afterAll(() => small.stop());

      it('stops reading a 31 MiB upload shortly after the first MiB', async () => {
        const result = await postStreaming(small.port, await makeImage('png'), 31 * MiB);
        expect(result.status).toBe(413);
        expect(await small.lastBytesRead).toBeLessThan(4 * MiB);
        expect(result.sentBytes).toBeLessThan(31 * MiB);
        expect(await small.leftovers()).toEqual([]);
      });

      it('accepts exactly the limit and refuses one byte more', async () => {
        const png = await makeImage('png');
        const exact = Buffer.concat([png, Buffer.alloc(MiB - png.length)]);
        await upload(small, exact).expect(201);
        await upload(small, Buffer.concat([exact, Buffer.alloc(1)])).expect(413);
        expect(await small.leftovers()).toHaveLength(1);
      });
    });
  });

  describe('enforces the pixel limit from the header', () => {
    it('a PNG claiming 20000x20000 is refused with 413 before the rest of it is read', async () => {
      const result = await postStreaming(server.port, pngHeader(20000, 20000), 20 * MiB);
      expect(result.status).toBe(413);
      expect(result.body?.message).toBe('The image has 400000000 pixels (20000x20000); at most 100000000 are accepted');
      expect(await server.lastBytesRead).toBeLessThan(4 * MiB);
      expect(await server.leftovers()).toEqual([]);
    });

    describe('with a 10000-pixel limit', () => {
      const tiny = new UploadServer({ maxBytes: 30 * MiB, maxPixels: 10_000 });
      beforeAll(() => tiny.start());
      afterAll(() => tiny.stop());

      it.each(['jpeg', 'png', 'gif', 'webp', 'avif'] as TestFormat[])('refuses a 101x100 %s', async (format) => {
        await upload(tiny, await makeImage(format, { width: 100, height: 100 })).expect(201);
        const res = await upload(tiny, await makeImage(format, { width: 101, height: 100 })).expect(413);
        expect(res.body.message).toMatch(/10100 pixels \(101x100\)/);
      });

      it('also when the JPEG header is too long to be sniffed, once the file is in', async () => {
        const jpeg = withLargeJpegPreamble(await makeImage('jpeg', { width: 101, height: 100 }), 1.5 * MiB);
        await upload(tiny, jpeg).expect(413);
        for (const file of await tiny.leftovers()) await rm(join(tiny.tmpDir, file));
      });
    });
  });

  it('deletes the temporary file when the client aborts mid-upload', async () => {
    server.lastReceive = undefined;
    const result = await postStreaming(server.port, await makeImage('png'), 10 * MiB, 2 * MiB);
    expect(result.status).toBeUndefined();
    while (!server.lastReceive) await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(server.lastReceive).rejects.toThrow(UploadAbortedError);
    expect(await server.leftovers()).toEqual([]);
  });
});

describe('MultipartImageReceiver at the shutdown cut-off', () => {
  const cutOff = new AbortController();
  const server = new UploadServer(DEFAULT_LIMITS, cutOff.signal);
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it('refuses an upload still arriving with 503, deletes its temporary file, and refuses the next at once', async () => {
    const boundary = 'malted-test-boundary';
    const head = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
      await makeImage('png'),
    ]);
    const post = () => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/upload',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': 10 * MiB },
      });
      req.on('error', () => undefined);
      const status = new Promise<number | undefined>((resolve) => req.on('response', (res) => resolve(res.statusCode)));
      req.write(head); // and nothing more: a client too slow to finish before the deadline
      return { req, status };
    };
    server.lastReceive = undefined;
    const slow = post();
    while (!server.lastReceive) await new Promise((resolve) => setTimeout(resolve, 5));
    while ((await server.leftovers()).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    cutOff.abort();
    await expect(server.lastReceive).rejects.toThrow(ShuttingDownError);
    expect(await slow.status).toBe(503);
    expect(await server.leftovers()).toEqual([]);
    slow.req.destroy();

    server.lastReceive = undefined;
    const late = post();
    expect(await late.status).toBe(503);
    await expect(server.lastReceive).rejects.toThrow(ShuttingDownError);
    expect(await server.leftovers()).toEqual([]);
    late.req.destroy();
  });
});

describe('cleanFileName', () => {
  it.each([
    ['holiday.png', 'holiday.png'],
    ['C:\\Users\\me\\cat photo.png', 'cat photo.png'],
    ['../../etc/passwd', 'passwd'],
    ['a\u0000b\u001f\u007fc.png', 'abc.png'],
    ['..', null],
    ['', null],
    [undefined, null],
  ])('%p is kept as %p', (given, kept) => {
    expect(cleanFileName(given)).toBe(kept);
  });
});

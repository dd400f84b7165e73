import fc from 'fast-check';
import { gzipSync } from 'node:zlib';

/**
 * Hostile requests generated from the OpenAPI document. Every request to an operation that writes (anything but
 * GET) carries at least one defect that must make it refused, so the database must be unchanged by all of them;
 * reads get the same defects and also well-formed values, to reach deeper into the routes.
 */

interface Schema {
  type?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  maxLength?: number;
  enum?: unknown[];
  items?: Schema;
  allOf?: Schema[];
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  method: string;
  path: string;
  operationId: string;
  parameters: Parameter[];
  body?: { contentType: string; schema: Schema };
  signedIn: boolean;
}

export interface FuzzRequest {
  operationId: string;
  method: string;
  path: string;
  identity: Identity;
  headers: Record<string, string>;
  body?: Buffer;
  defect: string;
}

export type Identity = 'anonymous' | 'owner' | 'other' | 'admin' | 'bad-token';

export interface OpenApiDocument {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, Schema> };
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as {
        operationId: string;
        parameters?: Parameter[];
        requestBody?: { content: Record<string, { schema: Schema }> };
        security?: unknown[];
      };
      const [contentType, media] = Object.entries(op.requestBody?.content ?? {})[0] ?? [];
      ops.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        parameters: op.parameters ?? [],
        body: contentType ? { contentType, schema: resolve(doc, media!.schema) } : undefined,
        signedIn: (op.security ?? []).length > 0,
      });
    }
  }
  return ops;
}

function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  if (schema.$ref) return resolve(doc, doc.components!.schemas![schema.$ref.split('/').pop()!]);
  if (schema.allOf)
    return schema.allOf.map((s) => resolve(doc, s)).reduce((a, b) => ({ ...a, ...b, properties: { ...a.properties, ...b.properties } }));
  return schema;
}

/** Values that are plausible for most string fields and dangerous to sloppy code; valid or not. */
const softStrings = fc.oneof(
  fc.constantFrom('', ' ', 'fuzz', 'ÿ', '😀', 'a\u0000b', '\u0000', '\r\n\t\u0007\u001b[31m', '<script>alert(1)</script>', '${7*7}'),
  fc.constantFrom('../../etc/passwd', '..\\..\\boot.ini', '%00', '\u202e', 'null', 'undefined', 'true', '[object Object]'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer({ min: 300, max: 3000 }).map((n) => 'x'.repeat(n)),
);

/** Values no string, boolean or number field takes, not even after class-transformer's conversions. */
const operatorObjects = fc.constantFrom<unknown>({ $gt: '' }, { $ne: null }, { $where: 'sleep(100)' }, { $regex: '.*' }, { $in: [] });
const wrongFor = (schema: Schema): fc.Arbitrary<unknown> => {
  switch (schema.type) {
    case 'boolean':
      return fc.oneof(operatorObjects, fc.constantFrom<unknown>(null, 'yes', 'maybe', {}, ['x']));
    case 'integer':
    case 'number':
      return fc.oneof(operatorObjects, fc.constantFrom<unknown>(null, 'abc', 'NaN', '1e999', {}, -1e308, 1.5e300));
    case 'array':
      return fc.oneof(operatorObjects, fc.constantFrom<unknown>(null, 'not-a-list', 42, [{ $gt: '' }]));
    default:
      if (schema.enum) return fc.oneof(operatorObjects, fc.constantFrom<unknown>(null, 'no-such-choice', 7, true));
      return fc.oneof(operatorObjects, fc.constantFrom<unknown>(null, 12345, true, false, ['a'], {}));
  }
};

const plausibleFor = (schema: Schema): fc.Arbitrary<unknown> => {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number':
      return fc.integer({ min: 1, max: 5 });
    case 'array':
      return fc.constant(schema.items?.enum ? [schema.items.enum[0]] : []);
    default:
      return softStrings;
  }
};

const absurdIds = fc.oneof(
  fc.constantFrom('..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e', '%00', 'a%00b', '%E0%A4%A', '%ZZ', '%C0%AF'),
  fc.constantFrom('000000000000000000000000', 'ffffffffffffffffffffffff', '-1', '0', '1e999', 'NaN', '%24gt', '%7B%22%24gt%22%3A%22%22%7D'),
  fc.constantFrom('%F0%9F%98%80', 'CON', 'null', '__proto__', 'constructor', '%20', 'a.b', 'admin'),
  fc.integer({ min: 200, max: 4000 }).map((n) => 'z'.repeat(n)),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
);

const badCursors = fc.oneof(
  fc.constantFrom('', 'null', 'bm90IGEgY3Vyc29y', 'MXxmaWxlfDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMA', '====', '%00', 'a'.repeat(300)),
  fc.base64String({ maxLength: 60 }),
);

const unknownFields = fc.constantFrom('role', 'isAdmin', '$set', '$where', 'owner', '_id', 'password_hash', 'emailVerified', 'x');

const deepArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Transport defects: refused by the body parser or the body-shape check, before any route runs. */
const transportDefects = fc.constantFrom<[string, Record<string, string>, () => Buffer]>(
  ['malformed JSON', { 'content-type': 'application/json' }, () => Buffer.from('{"a": ')],
  ['JSON with trailing junk', { 'content-type': 'application/json' }, () => Buffer.from('{"a":1} x')],
  ['gzip it is not', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, () => Buffer.from('{"a":1}')],
  ['truncated gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, () => gzipSync('{"title":"t"}').subarray(0, 12)],
  ['deflate it is not', { 'content-type': 'application/json', 'content-encoding': 'deflate' }, () => Buffer.from('{"a":1}')],
  ['unknown encoding', { 'content-type': 'application/json', 'content-encoding': 'x-rot13' }, () => Buffer.from('{"a":1}')],
  ['unknown charset', { 'content-type': 'application/json; charset=x-klingon' }, () => Buffer.from('{"a":1}')],
  ['deep arrays', { 'content-type': 'application/json' }, () => Buffer.from(`{"a":${deepArrays(3000)}}`)],
  ['deep objects', { 'content-type': 'application/json' }, () => Buffer.from(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`)],
  ['lone surrogate', { 'content-type': 'application/json' }, () => Buffer.from('{"email":"a\\ud800@example.com","title":"\\udfff"}')],
  ['body over the limit', { 'content-type': 'application/json' }, () => Buffer.from(JSON.stringify({ a: 'x'.repeat(110 * 1024) }))],
);

const BOUNDARY = 'fuzzboundary';
const part = (name: string, value: string, filename?: string, type?: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n` +
  `${type ? `Content-Type: ${type}\r\n` : ''}\r\n${value}\r\n`;

/** Multipart bodies that are not an upload: never a whole, valid image. */
const multipartDefects = fc.constantFrom<[string, string, () => Buffer]>(
  ['no boundary', 'multipart/form-data', () => Buffer.from(part('file', 'x', 'a.png'))],
  [
    'truncated multipart',
    `multipart/form-data; boundary=${BOUNDARY}`,
    () => Buffer.from(part('file', '\x89PNG\r\n\x1a\n', 'a.png', 'image/png').slice(0, 90)),
  ],
  ['no file part', `multipart/form-data; boundary=${BOUNDARY}`, () => Buffer.from(`${part('title', 'hello')}--${BOUNDARY}--\r\n`)],
  [
    'unknown field',
    `multipart/form-data; boundary=${BOUNDARY}`,
    () => Buffer.from(`${part('$where', '1')}${part('file', 'GIF89a', 'a.gif')}--${BOUNDARY}--\r\n`),
  ],
  [
    'HTML as an image',
    `multipart/form-data; boundary=${BOUNDARY}`,
    () => Buffer.from(`${part('file', '<html><script>1</script>', 'a.png', 'image/png')}--${BOUNDARY}--\r\n`),
  ],
  [
    'SVG',
    `multipart/form-data; boundary=${BOUNDARY}`,
    () => Buffer.from(`${part('file', '<svg xmlns="http://www.w3.org/2000/svg"/>', 'a.svg', 'image/svg+xml')}--${BOUNDARY}--\r\n`),
  ],
  [
    'truncated PNG header',
    `multipart/form-data; boundary=${BOUNDARY}`,
    () => Buffer.from(`${part('file', '\x89PNG\r\n\x1a\n\0\0\0\rIHDR', 'a.png')}--${BOUNDARY}--\r\n`),
  ],
  [
    'two file parts',
    `multipart/form-data; boundary=${BOUNDARY}`,
    () => Buffer.from(`${part('file', 'GIF8', 'a.gif')}${part('file', 'GIF8', 'b.gif')}--${BOUNDARY}--\r\n`),
  ],
  ['JSON instead', 'application/json', () => Buffer.from('{"file":"aGVsbG8="}')],
  ['urlencoded instead', 'application/x-www-form-urlencoded', () => Buffer.from('file=hello&title[$gt]=')],
  ['empty', `multipart/form-data; boundary=${BOUNDARY}`, () => Buffer.alloc(0)],
);

export interface FuzzFixtures {
  /** Real values of path parameters by name, so reads reach real documents. */
  pathValues: Record<string, string[]>;
}

/** GETs that write: each makes a new upload-only token for the client configuration it returns. */
const WRITING_GETS = ['UploadClientsController_shareX', 'UploadClientsController_flameshot'];

const mutating = (op: { method: string; operationId: string }) =>
  (op.method !== 'GET' && op.method !== 'HEAD') || WRITING_GETS.includes(op.operationId);

function fillPath(op: Operation, values: Record<string, string>): string {
  return `${op.path.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? 'missing')}`;
}

function queryString(entries: Array<[string, string]>): string {
  return entries.length === 0 ? '' : `?${entries.map(([k, v]) => `${k}=${v}`).join('&')}`;
}

/** One request for `op`; `defects` lists the kinds that can be given to it. */
function requestFor(op: Operation, fixtures: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const properties = Object.entries(op.body?.schema.properties ?? {});
  const isMultipart = op.body?.contentType.startsWith('multipart/') ?? false;
  const isJsonBody = !!op.body && !isMultipart && properties.length > 0;

  const realPath = fc.record(
    Object.fromEntries(pathParams.map((p) => [p.name, fc.constantFrom(...(fixtures.pathValues[p.name] ?? ['missing']))])),
  ) as fc.Arbitrary<Record<string, string>>;
  const absurdPath = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, absurdIds]))) as fc.Arbitrary<Record<string, string>>;
  const identities: Identity[] = op.signedIn ? ['owner', 'other', 'admin', 'anonymous', 'bad-token'] : ['anonymous', 'owner', 'other'];

  const plausibleQuery = fc
    .subarray(queryParams)
    .chain((chosen) =>
      fc.tuple(
        ...chosen.map((p) =>
          (['before', 'after', 'cursor'].includes(p.name) ? badCursors : plausibleFor(p.schema ?? {})).map(
            (v) => [p.name, encodeURIComponent(String(v))] as [string, string],
          ),
        ),
      ),
    );
  const hostileQuery = fc.oneof(
    fc.constantFrom<Array<[string, string]>>(
      [['limit[$gt]', '1']],
      [['limit', '1e999']],
      [['limit', '-5']],
      [['limit', '101']],
      [['limit', '%00']],
      [
        ['before', 'a'],
        ['after', 'b'],
      ],
      [['before[]', 'x']],
      [['q[$regex]', '.*']],
      [['type', 'everything']],
      [
        ['before', 'a'],
        ['before', 'b'],
      ],
      [['unknownParam', '1']],
    ),
    badCursors.map((c) => [['before', encodeURIComponent(c)]] as Array<[string, string]>),
  );

  const bodyObject = (hard: boolean) =>
    fc
      .record(Object.fromEntries(properties.map(([name, schema]) => [name, fc.option(plausibleFor(schema), { nil: undefined })])))
      .chain((base) => {
        const defects: Array<fc.Arbitrary<[string, Record<string, unknown>]>> = [];
        if (properties.length > 0) {
          defects.push(
            fc
              .constantFrom(...properties)
              .chain(([name, schema]) =>
                wrongFor(schema).map((v) => [`wrong type in ${name}`, { ...base, [name]: v }] as [string, Record<string, unknown>]),
              ),
          );
          const bounded = properties.filter(([, s]) => s.maxLength);
          if (bounded.length > 0) {
            defects.push(
              fc
                .constantFrom(...bounded)
                .chain(([name, schema]) =>
                  fc
                    .integer({ min: 1, max: 2000 })
                    .map(
                      (extra) =>
                        [`${name} too long`, { ...base, [name]: 'y'.repeat(schema.maxLength! + extra) }] as [
                          string,
                          Record<string, unknown>,
                        ],
                    ),
                ),
            );
          }
        }
        defects.push(unknownFields.map((f) => [`unknown field ${f}`, { ...base, [f]: { $gt: '' } }] as [string, Record<string, unknown>]));
        const required = op.body?.schema.required ?? [];
        if (required.length > 0) {
          defects.push(
            fc.constantFrom(...required).map((name) => {
              const copy = { ...base };
              delete copy[name];
              return [`missing ${name}`, copy] as [string, Record<string, unknown>];
            }),
          );
        }
        const chosen = fc.oneof(...defects);
        return hard ? chosen : fc.oneof(chosen, fc.constant(['soft values', base] as [string, Record<string, unknown>]));
      });

  return fc.constantFrom(...identities).chain((identity) => {
    const kinds: Array<fc.Arbitrary<Omit<FuzzRequest, 'operationId' | 'method' | 'identity'>>> = [];
    const hard = mutating(op);
    const withPath = (values: Record<string, string>, query: Array<[string, string]> = []) => fillPath(op, values) + queryString(query);

    kinds.push(
      fc
        .tuple(realPath, transportDefects)
        .map(([values, [defect, headers, body]]) => ({ path: withPath(values), headers, body: body(), defect })),
    );
    if (pathParams.length > 0) {
      kinds.push(absurdPath.map((values) => ({ path: withPath(values), headers: {}, defect: 'absurd path parameter' })));
    }
    if (isJsonBody) {
      kinds.push(
        fc.tuple(realPath, bodyObject(hard)).map(([values, [defect, body]]) => ({
          path: withPath(values),
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(JSON.stringify(body)),
          defect,
        })),
      );
    }
    if (isMultipart) {
      kinds.push(
        fc.tuple(realPath, multipartDefects).map(([values, [defect, contentType, body]]) => ({
          path: withPath(values),
          headers: { 'content-type': contentType },
          body: body(),
          defect,
        })),
      );
    }
    if (!hard) {
      kinds.push(
        fc
          .tuple(realPath, hostileQuery)
          .map(([values, query]) => ({ path: withPath(values, query), headers: {}, defect: 'hostile query' })),
      );
      kinds.push(
        fc
          .tuple(realPath, plausibleQuery)
          .map(([values, query]) => ({ path: withPath(values, query), headers: {}, defect: 'plausible query' })),
      );
    }
    return fc.oneof(...kinds).map((r) => ({ ...r, operationId: op.operationId, method: op.method, identity }));
  });
}

/** `count` requests spread over every operation, the same for the same seed. */
export function generateRequests(ops: Operation[], fixtures: FuzzFixtures, count: number, seed: number): FuzzRequest[] {
  const perOperation = ops.map((op) => requestFor(op, fixtures));
  const requests: FuzzRequest[] = [];
  // Round-robin over operations, so every one gets its share whatever the count.
  const rounds = Math.ceil(count / ops.length);
  perOperation.forEach((arb, i) => requests.push(...fc.sample(arb, { seed: seed + i, numRuns: rounds })));
  return fc.sample(fc.shuffledSubarray(requests, { minLength: requests.length, maxLength: requests.length }), { seed, numRuns: 1 })[0]!;
}

export const isMutating = mutating;

import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { resolveByteRange } from './byte-range';
import type { ByteRange, StorageDriver } from './storage-driver';
import { StorageObjectNotFoundError, UnsatisfiableRangeError } from './storage.errors';
import { assertValidStorageKey } from './storage-key';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** Another S3-compatible server; unset for AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Multipart parts of the minimum size S3 allows, two in flight: at most 10 MB of one upload is in memory. */
const UPLOAD_PART_BYTES = 5 * 1024 * 1024;
const UPLOADS_IN_FLIGHT = 2;
/**
 * Connections kept open to the S3 server, per protocol: every read (a streamed raw GET, ranged or not) holds one
 * until its body is read or destroyed, so this bounds concurrent reads; more wait for a free connection.
 */
const MAX_SOCKETS = 64;
/** A server that does not accept a connection within this is down; answer the request with an error. */
const CONNECT_TIMEOUT_MS = 5000;
/** S3's own limit for presigned URLs. */
const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;

const statusOf = (error: unknown) => (error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined);

/**
 * Objects in an S3-compatible bucket (AWS SDK v3). Uploads stream as multipart uploads (one PUT when the
 * object fits in one part), which S3 makes visible only once complete; a failed upload is aborted so no
 * parts stay behind. The bucket must exist. Can hand out presigned URLs so clients fetch from S3 directly.
 */
export class S3Storage implements StorageDriver {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      // The SDK's default CRC trailers are refused by many S3-compatible servers; TLS protects the transfer
      // and the files service hashes every upload, so checksums are sent only where an operation needs one.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Keep-alive, explicitly: a raw GET then costs one request on a warm connection, not a TCP (and TLS) handshake.
      requestHandler: {
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
        connectionTimeout: CONNECT_TIMEOUT_MS,
      },
    });
  }

  async write(key: string, body: Readable, options: { contentType: string }): Promise<void> {
    assertValidStorageKey(key);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: options.contentType },
      partSize: UPLOAD_PART_BYTES,
      queueSize: UPLOADS_IN_FLIGHT,
      leavePartsOnError: false, // abort the multipart upload on failure: no invisible parts left to pay for
    });
    try {
      await upload.done();
    } catch (error) {
      body.destroy();
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertValidStorageKey(key);
    const checked = range && resolveByteRange(range);
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: checked && `bytes=${checked.start}-${checked.end}`, // S3 cuts an end past the object, like HTTP
        }),
      );
      return response.Body as Readable;
    } catch (error) {
      if (statusOf(error) === 404) throw new StorageObjectNotFoundError(key);
      if (statusOf(error) === 416 && checked) throw new UnsatisfiableRangeError(checked);
      throw error;
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    assertValidStorageKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidStorageKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })); // S3 deletes idempotently
  }

  async presignedGetUrl(
    key: string,
    options: { expiresInSeconds: number; contentType: string; contentDisposition: string },
  ): Promise<string> {
    assertValidStorageKey(key);
    const { expiresInSeconds } = options;
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGNED_SECONDS) {
      throw new RangeError(`expiresInSeconds must be an integer from 1 to ${MAX_PRESIGNED_SECONDS}`);
    }
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.contentDisposition,
    });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
  }

  /** Closes the client's idle connections. */
  close(): void {
    this.client.destroy();
  }
}

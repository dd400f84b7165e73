import { type ArgumentsHost, BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import { Error as MongooseError, mongo } from 'mongoose';
import { ConflictError, InsufficientStorageError } from '../errors/domain-errors';
import {
  ExifNotStrippableError,
  ImageTooManyPixelsError,
  InvalidImageError,
  UnsupportedMediaTypeError,
} from '../../files/images/image-errors';
import { BadMultipartError, UploadAbortedError, UploadTooLargeError } from '../../files/upload/upload-errors';
import { AllExceptionsFilter } from './all-exceptions.filter';

function hostFor({ complete = true } = {}) {
  const sent: { status?: number; body?: unknown; headers?: Record<string, string> } = {};
  const res = {
    headersSent: false,
    setHeader(name: string, value: string) {
      sent.headers = { ...sent.headers, [name]: value };
    },
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
    },
  };
  const req = { id: 'req-1', method: 'GET', originalUrl: '/x', complete };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ArgumentsHost;
  return { host, sent };
}

describe('AllExceptionsFilter', () => {
  const filter = new AllExceptionsFilter();
  jest.spyOn(filter['logger'], 'error').mockImplementation(() => undefined);
  jest.spyOn(filter['logger'], 'warn').mockImplementation(() => undefined);

  it.each([
    [new BadRequestException(['name must be a string']), 400, 'Bad Request', ['name must be a string']],
    [new mongo.MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' }), 409, 'Conflict', 'Already exists'],
    [new MongooseError.CastError('ObjectId', 'nope', '_id'), 400, 'Bad Request', 'Invalid value for _id'],
    [new ConflictError('Username is taken'), 409, 'Conflict', 'Username is taken'],
    [new ServiceUnavailableException('Not ready: redis down'), 503, 'Service Unavailable', 'Not ready: redis down'],
    [
      new mongo.MongoNetworkError('connection 3 to 10.0.0.4:27017 closed'),
      503,
      'Service Unavailable',
      'The database is unavailable; try again shortly',
    ],
    [
      new MongooseError('Operation `likes.insertOne()` buffering timed out after 1500ms'),
      503,
      'Service Unavailable',
      'The database is unavailable; try again shortly',
    ],
    [new Error('secret internals at db.ts:12'), 500, 'Internal Server Error', 'Internal server error'],
    [
      Object.assign(new Error("ENOSPC: no space left on device, write '/var/tmp/x'"), { code: 'ENOSPC' }),
      507,
      'Insufficient Storage',
      'The server has no room to store this just now; try again later',
    ],
    [new InsufficientStorageError('No room for the upload'), 507, 'Insufficient Storage', 'No room for the upload'],
    [Object.assign(new Error('x'), { type: 'entity.too.large', status: 413 }), 413, 'Payload Too Large', 'Request body is too large'],
    [
      Object.assign(new Error('Bad Request'), { status: 400, expose: true, code: 'Z_DATA_ERROR' }),
      400,
      'Bad Request',
      'The request body does not decode as its Content-Encoding says',
    ],
  ])('maps %p to %i', (exception, statusCode, error, message) => {
    const { host, sent } = hostFor();
    filter.catch(exception, host);
    expect(sent).toEqual({ status: statusCode, body: { statusCode, error, message, requestId: 'req-1' } });
  });

  it.each([
    [new UploadTooLargeError(31457280), 413, 'Payload Too Large', 'The file is larger than the limit of 30 MB'],
    [
      new ImageTooManyPixelsError(4e8, 1e8, '20000x20000'),
      413,
      'Payload Too Large',
      'The image has 400000000 pixels (20000x20000); at most 100000000 are accepted',
    ],
    [new UnsupportedMediaTypeError('Only images'), 415, 'Unsupported Media Type', 'Only images'],
    [new InvalidImageError('The file is empty'), 422, 'Unprocessable Entity', 'The file is empty'],
    [new ExifNotStrippableError('odd Exif'), 422, 'Unprocessable Entity', 'odd Exif'],
    [new BadMultipartError('Unknown field "x"'), 400, 'Bad Request', 'Unknown field "x"'],
    [new UploadAbortedError(), 400, 'Bad Request', 'The upload was interrupted before it was complete'],
  ])('maps the upload error %p to %i with its message', (exception, statusCode, error, message) => {
    const { host, sent } = hostFor();
    filter.catch(exception, host);
    expect(sent).toEqual({ status: statusCode, body: { statusCode, error, message, requestId: 'req-1' } });
  });

  it('closes the connection when the request body was not read to its end', () => {
    const unread = hostFor({ complete: false });
    filter.catch(new UploadTooLargeError(10), unread.host);
    expect(unread.sent.headers).toEqual({ Connection: 'close' });

    const read = hostFor({ complete: true });
    filter.catch(new UploadTooLargeError(10), read.host);
    expect(read.sent.headers).toBeUndefined();
  });
});

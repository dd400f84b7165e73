import { type ArgumentsHost, BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import { Error as MongooseError, mongo } from 'mongoose';
import { ConflictError } from '../errors/domain-errors';
import { AllExceptionsFilter } from './all-exceptions.filter';

function hostFor() {
  const sent: { status?: number; body?: unknown } = {};
  const res = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
    },
  };
  const req = { id: 'req-1', method: 'GET', originalUrl: '/x' };
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
    [new Error('secret internals at db.ts:12'), 500, 'Internal Server Error', 'Internal server error'],
    [Object.assign(new Error('x'), { type: 'entity.too.large', status: 413 }), 413, 'Payload Too Large', 'Request body is too large'],
  ])('maps %p to %i', (exception, statusCode, error, message) => {
    const { host, sent } = hostFor();
    filter.catch(exception, host);
    expect(sent).toEqual({ status: statusCode, body: { statusCode, error, message, requestId: 'req-1' } });
  });
});

import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Error as MongooseError } from 'mongoose';
import { DomainError } from '../errors/domain-errors';
import { isDatabaseUnavailableError } from '../errors/database-unavailable';
import { isDuplicateKeyError } from '../errors/duplicate-key';
import { isNoSpaceError } from '../errors/no-space';
import { redactUrl } from '../http/redact-url';
import { errorBody } from './error-body';

interface BodyParserError {
  type?: string;
  status: number;
  expose?: boolean;
  code?: string;
}

/**
 * body-parser's errors (http-errors): most carry a `type`; a body that does not decompress as its
 * Content-Encoding says (not gzip at all, a truncated stream) carries only the 400 and zlib's `code`.
 */
const isBodyParserError = (e: unknown): e is BodyParserError =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as BodyParserError).status === 'number' &&
  (typeof (e as BodyParserError).type === 'string' || (e as BodyParserError).expose === true);

/**
 * Maps every error to { statusCode, error, message, requestId }. Client errors keep their message; server
 * errors are logged with the request id and answered with a generic message, never a stack trace.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string }>();
    const res = ctx.getResponse<Response>();
    const requestId = typeof req.id === 'string' ? req.id : undefined;

    const [status, message] = this.describe(exception);
    if (status === HttpStatus.SERVICE_UNAVAILABLE) {
      this.logger.warn({ requestId, message }, `${req.method} ${redactUrl(req.originalUrl)} unavailable`);
    } else if (status >= 500 && status !== HttpStatus.NOT_IMPLEMENTED) {
      this.logger.error({ err: exception, requestId }, `${req.method} ${redactUrl(req.originalUrl)} failed`);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A body that was not read to its end (an upload refused half-way) would be parsed as the next request.
    if (!req.complete) res.setHeader('Connection', 'close');
    const domain = exception instanceof DomainError ? exception : undefined;
    for (const [name, value] of Object.entries(domain?.headers ?? {})) res.setHeader(name, value);
    res.status(status).json({ ...errorBody(status, message, requestId), ...domain?.details });
  }

  private describe(exception: unknown): [number, string | string[]] {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? (response as { message: string | string[] }).message
          : exception.message;
      const hidden = status >= 500 && status !== HttpStatus.SERVICE_UNAVAILABLE;
      return [status, hidden ? 'Internal server error' : message];
    }
    if (exception instanceof DomainError) {
      return [exception.status, exception.message];
    }
    if (isDuplicateKeyError(exception)) {
      return [HttpStatus.CONFLICT, 'Already exists'];
    }
    if (isDatabaseUnavailableError(exception)) {
      return [HttpStatus.SERVICE_UNAVAILABLE, 'The database is unavailable; try again shortly'];
    }
    if (isNoSpaceError(exception)) {
      return [HttpStatus.INSUFFICIENT_STORAGE, 'The server has no room to store this just now; try again later'];
    }
    if (exception instanceof MongooseError.CastError) {
      return [HttpStatus.BAD_REQUEST, `Invalid value for ${exception.path}`];
    }
    if (exception instanceof MongooseError.ValidationError) {
      return [HttpStatus.BAD_REQUEST, Object.values(exception.errors).map((e) => e.message)];
    }
    if (isBodyParserError(exception) && exception.status >= 400 && exception.status < 500) {
      return [exception.status, bodyParserMessage(exception)];
    }
    return [HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error'];
  }
}

function bodyParserMessage(error: BodyParserError): string {
  switch (error.type) {
    case 'entity.parse.failed':
      return 'Malformed JSON in request body';
    case 'entity.too.large':
      return 'Request body is too large';
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return 'Unsupported request body encoding';
    default:
      return error.code ? 'The request body does not decode as its Content-Encoding says' : 'Bad request body';
  }
}

/**
 * Errors the services throw for rules users can break. They know nothing of HTTP; the global filter maps
 * each class to its status, so a service can be called from a controller, a job or the CLI alike.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Facts a client can act on, answered beside the message (e.g. when a quota resets). */
  readonly details?: Record<string, string | number>;
  /** Response headers that go with the status (e.g. Retry-After). */
  readonly headers?: Record<string, string>;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidInputError extends DomainError {
  readonly status = 400;
}
export class NotAuthenticatedError extends DomainError {
  readonly status = 401;
}
export class ForbiddenError extends DomainError {
  readonly status = 403;
}
export class NotFoundError extends DomainError {
  readonly status = 404;
}
export class ConflictError extends DomainError {
  readonly status = 409;
}
/** The request asks for something this server does not do (an oEmbed format other than JSON). */
export class NotImplementedError extends DomainError {
  readonly status = 501;
}
/** The work is refused for now (too expensive or a dependency is away); trying again later or differently may work. */
export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
}
/**
 * The server has no room to keep what the request sends (a full disk or quota where uploads are spooled or
 * stored): nothing was kept, and the same request may succeed once space is freed.
 */
export class InsufficientStorageError extends DomainError {
  readonly status = 507;
}

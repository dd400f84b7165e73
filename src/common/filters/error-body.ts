import { STATUS_CODES } from 'node:http';

/** The one error shape every endpoint answers with. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  requestId?: string;
}

export function errorBody(statusCode: number, message: string | string[], requestId?: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, requestId };
}

import createClient, { type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };

/**
 * A typed client of the Malted API (openapi-fetch over the generated types):
 * `createMaltedClient('https://malted.example.com', token).GET('/api/v1/files/{key}', { params: { path: { key } } })`.
 */
export function createMaltedClient(baseUrl: string, token?: string, options: Omit<ClientOptions, 'baseUrl'> = {}) {
  return createClient<paths>({
    ...options,
    baseUrl,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(options.headers as Record<string, string> | undefined) },
  });
}

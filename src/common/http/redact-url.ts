/** Query parameters whose values are secrets: the token of every mailed link (verification, reset, unsubscribe). */
const SECRET_PARAMETER = /^(token|code|invite|password|secret|signature)(\[.*)?$/i;
/** Malted's own secrets wherever they appear (a token pasted into a path): tokens, mailed tokens, invite codes. */
const SECRET_VALUE = /\b(mlt|mle|inv)_[A-Za-z0-9_-]{16,}/g;
export const REDACTED = '[redacted]';

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * A request URL as it may be logged: the value of every secret query parameter replaced, and any of Malted's
 * secrets elsewhere in it. The mailed links carry their token in the query, and a request log line, an error
 * line and a proxy's access log would otherwise keep it long after it was used.
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  const path = (query < 0 ? url : url.slice(0, query)).replace(SECRET_VALUE, REDACTED);
  if (query < 0) return path;
  const pairs = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals >= 0 && SECRET_PARAMETER.test(decoded(pair.slice(0, equals)))) return `${pair.slice(0, equals)}=${REDACTED}`;
      return pair.replace(SECRET_VALUE, REDACTED);
    });
  return `${path}?${pairs.join('&')}`;
}

/** A parsed query (Express's req.query) with the same values replaced. */
export function redactQuery(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  return Object.fromEntries(
    Object.entries(query as Record<string, unknown>).map(([name, value]) => [
      name,
      SECRET_PARAMETER.test(name) ? REDACTED : typeof value === 'string' ? value.replace(SECRET_VALUE, REDACTED) : value,
    ]),
  );
}

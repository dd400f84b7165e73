/**
 * What a token may do. `full` is everything its account may do (every token made before scopes existed is
 * one); a limited token may call only the routes that accept one of its scopes (@RequiresScope), and nothing
 * else, public routes included, so a leaked screenshot-tool config cannot delete, like or read private data.
 */
export const TOKEN_SCOPES = ['full', 'files:write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const TOKEN_SCOPE_TEXT: Record<TokenScope, string> = {
  full: 'everything the account may do',
  'files:write': 'upload files (POST /api/v1/files), nothing else',
};

/** Whether a token with `scopes` may call a route that needs `needed`. */
export const scopesAllow = (scopes: readonly TokenScope[], needed: TokenScope): boolean =>
  scopes.includes('full') || scopes.includes(needed);

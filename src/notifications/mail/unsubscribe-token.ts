import { createHmac } from 'node:crypto';
import { sameSecret } from '../../common/auth/same-secret';
import { MAILED_NOTIFICATION_KINDS, type MailedNotificationKind } from '../../jobs/queues';

/** What one unsubscribe link turns off: one kind of notification mail, or all of it (the digest's link). */
export type UnsubscribeScope = MailedNotificationKind | 'all';

export interface UnsubscribeRequest {
  userId: string;
  scope: UnsubscribeScope;
}

const SCOPES: readonly string[] = [...MAILED_NOTIFICATION_KINDS, 'all'];
const TOKEN = /^([0-9a-f]{24})\.([a-z]+)\.([A-Za-z0-9_-]{43})$/;

const signatureOf = (secret: string, userId: string, scope: string): Buffer =>
  createHmac('sha256', secret).update(`malted-unsubscribe:${userId}:${scope}`).digest();

/**
 * `<user id>.<scope>.<HMAC-SHA256 of both under UNSUBSCRIBE_SECRET>`: anyone holding the mail can unsubscribe
 * its recipient from that kind of mail, and nothing else, without signing in. It does not expire (an old mail's
 * link should still work); changing the secret revokes every link.
 */
export const unsubscribeTokenFor = (secret: string, { userId, scope }: UnsubscribeRequest): string =>
  `${userId}.${scope}.${signatureOf(secret, userId, scope).toString('base64url')}`;

/** The user and scope of a token this secret signed, or null for anything else. */
export function readUnsubscribeToken(secret: string, token: string): UnsubscribeRequest | null {
  const match = TOKEN.exec(token);
  if (!match || !SCOPES.includes(match[2])) return null;
  const [, userId, scope, signature] = match;
  const given = Buffer.from(signature, 'base64url');
  const expected = signatureOf(secret, userId, scope);
  if (!sameSecret(given, expected)) return null;
  return { userId, scope: scope as UnsubscribeScope };
}

/** The page an unsubscribe link opens (GET shows a button; POST, also RFC 8058's one-click, unsubscribes). */
export const UNSUBSCRIBE_PAGE = '/account/unsubscribe';
/** The same, as a route outside /api/v1 (app.factory.ts). */
export const UNSUBSCRIBE_PAGE_ROUTE = UNSUBSCRIBE_PAGE.slice(1);

export const unsubscribeUrlFor = (publicUrl: string, secret: string, request: UnsubscribeRequest): string =>
  `${publicUrl}${UNSUBSCRIBE_PAGE}?token=${unsubscribeTokenFor(secret, request)}`;

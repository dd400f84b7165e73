import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * Names no user or group shake may take: they collide with routes, look official, or confuse people.
 * Compared without regard to case.
 */
export const RESERVED_NAMES = new Set([
  'about',
  'account',
  'admin',
  'administrator',
  'api',
  'app',
  'auth',
  'blog',
  'comments',
  'docs',
  'files',
  'followers',
  'following',
  'health',
  'help',
  'home',
  'incoming',
  'login',
  'logout',
  'magic',
  'mail',
  'malted',
  'me',
  'metrics',
  'moderator',
  'new',
  'notifications',
  'popular',
  'privacy',
  'register',
  'root',
  'search',
  'security',
  'settings',
  'shake',
  'shakes',
  'signin',
  'signup',
  'static',
  'staff',
  'support',
  'system',
  'tags',
  'terms',
  'timeline',
  'tokens',
  'user',
  'users',
  'www',
  // Every other top-level path the app serves (test/pages/reserved-paths.e2e-spec.ts checks them all): the
  // OpenAPI document, the short media paths (src/files/delivery/short-media-paths.ts), the file pages, oEmbed and
  // the feeds (src/pages/page-routes.ts). Names with a dot can never be shake names, but are listed all the same.
  'docs-json',
  'docs-yaml',
  'feeds',
  'oembed',
  'p',
  'r',
  's',
  't',
  '.well-known',
  'favicon.ico',
  'robots.txt',
  'sitemap.xml',
]);

export const isReservedName = (name: string): boolean => RESERVED_NAMES.has(name.toLowerCase());

/** Validation: the value is not a reserved name. */
export function IsNotReservedName(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNotReservedName',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: ({ property }) => `${property} is reserved`, ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || !isReservedName(value) },
    });
}

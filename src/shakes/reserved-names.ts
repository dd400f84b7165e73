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
  // Short public paths: media (src/files/delivery/short-media-paths.ts) and share pages (/p/<key>).
  'p',
  'r',
  's',
  't',
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

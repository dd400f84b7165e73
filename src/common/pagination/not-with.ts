import { registerDecorator, type ValidationOptions } from 'class-validator';

/** Validation: this property and `other` are not both given (e.g. the `before` and `after` cursors). */
export function NotWith(other: string, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'notWith',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [other],
      options: { message: ({ property }) => `pass either ${other} or ${property}, not both`, ...options },
      validator: {
        validate: (value: unknown, args) => value === undefined || (args?.object as Record<string, unknown>)[other] === undefined,
      },
    });
}

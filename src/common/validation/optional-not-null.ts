import { ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * The field may be left out; when it is there, every other rule applies, so `null` is refused like any value of
 * the wrong type. class-validator's `@IsOptional()` also skips validation for `null`, which let `null` reach
 * services that expected a string (a cursor decoded from `null`, a title stored as `null` that then broke the
 * documented response). Use this in every request DTO (lint forbids `IsOptional` outside the configuration).
 */
export function OptionalNotNull(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined, options);
}

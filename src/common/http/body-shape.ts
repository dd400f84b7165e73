import { BadRequestException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Deeper than any request body Malted takes (its deepest is 2), far below what would exhaust the stack. */
export const MAX_BODY_DEPTH = 32;

/**
 * Refuses, before validation, a parsed JSON body that nests deeper than MAX_BODY_DEPTH or holds a string
 * that is not well-formed Unicode (a lone surrogate, which JSON's `\ud800` escape can carry). The validation
 * pipe and class-transformer recurse through every level (a few thousand nested arrays overflowed the stack:
 * a 500), and validator.js's isEmail throws on a lone surrogate. The walk is iterative, so it cannot overflow
 * itself, and stops at the first offence.
 */
/** In unicode mode a surrogate pair is one code point, so this matches only a lone half. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function bodyShapeProblem(body: unknown, maxDepth = MAX_BODY_DEPTH): string | null {
  const stack: Array<[unknown, number]> = [[body, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return 'The request body holds a string that is not valid Unicode';
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return `The request body nests deeper than ${maxDepth} levels`;
    for (const [key, child] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) return 'The request body holds a string that is not valid Unicode';
      stack.push([child, depth + 1]);
    }
  }
  return null;
}

/** Express middleware after the JSON body parser. */
export function refuseMisshapenBodies(req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void): void {
  const problem = bodyShapeProblem((req as IncomingMessage & { body?: unknown }).body);
  next(problem ? new BadRequestException(problem) : undefined);
}

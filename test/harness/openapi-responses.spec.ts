import { OpenApiResponses } from './openapi-responses';

const document = {
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          '204': {},
          '404': { content: { 'application/json': { schema: { type: 'object', properties: { message: { type: 'string' } } } } } },
          '500': { description: 'no schema' },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string' },
          owner: { nullable: true, type: 'object', allOf: [{ $ref: '#/components/schemas/Owner' }] },
        },
      },
      Owner: { type: 'object', required: ['username'], properties: { username: { type: 'string' } } },
    },
  },
};

describe('OpenApiResponses', () => {
  const check = (status: number, body: unknown, contentType: string | null = 'application/json; charset=utf-8') => {
    const responses = new OpenApiResponses(document);
    responses.check('GET', '/things/{id}', status, contentType, body === undefined ? '' : JSON.stringify(body));
    return responses.problems.map((problem) => problem.problem);
  };

  it('accepts answers that match the document, nullable references included', () => {
    expect(check(200, { name: 'a', owner: { username: 'b' } })).toEqual([]);
    expect(check(200, { name: 'a', owner: null })).toEqual([]);
    expect(check(204, undefined, null)).toEqual([]);
    expect(check(404, { message: 'gone' })).toEqual([]);
  });

  it('refuses undocumented fields, at any depth', () => {
    expect(check(200, { name: 'a', extra: 1 })).toEqual([expect.stringContaining('must NOT have additional properties (extra)')]);
    expect(check(200, { name: 'a', owner: { username: 'b', email: 'x' } })).toEqual([expect.stringContaining('(email)')]);
    expect(check(404, { message: 'gone', stack: '...' })).toEqual([expect.stringContaining('(stack)')]);
  });

  it('refuses wrong types, undocumented statuses, JSON without a schema and a missing body', () => {
    expect(check(200, { name: 1 })).toEqual([expect.stringContaining('must be string')]);
    expect(check(409, { message: 'taken' })).toEqual([expect.stringContaining('undocumented status')]);
    expect(check(500, { message: 'oops' })).toEqual([expect.stringContaining('no documented schema')]);
    expect(check(200, undefined, null)).toEqual([expect.stringContaining('documented a JSON body')]);
  });
});

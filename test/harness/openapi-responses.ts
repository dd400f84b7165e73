import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Schema = Record<string, unknown>;
interface Operation {
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const ROOT_ID = 'malted-openapi';

/**
 * A copy of a schema as strict as the document claims to be: every object that does not say otherwise accepts
 * no property it does not document (additionalProperties: false), and references point into the document.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') copy.$ref = value.startsWith('#') ? `${ROOT_ID}${value}` : value;
    else if (key === 'properties' || key === 'patternProperties') {
      copy[key] = Object.fromEntries(Object.entries(value as Schema).map(([name, property]) => [name, strict(property)]));
    } else copy[key] = strict(value);
  }
  // A reference wrapped in allOf (how @nestjs/swagger makes one nullable) is as strict as what it refers to.
  if (copy.allOf !== undefined && copy.properties === undefined) {
    if (copy.type === 'object') delete copy.type;
  } else if ((copy.type === 'object' || copy.properties !== undefined) && copy.additionalProperties === undefined) {
    copy.additionalProperties = false;
  }
  // OpenAPI 3.0's nullable next to a reference (or an allOf of one), which JSON Schema spells as a union.
  if (copy.nullable === true && copy.type === undefined) {
    const { nullable: _, description: __, ...rest } = copy;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return copy;
}

/** What one response was checked against, and what was wrong with it. */
export interface ResponseProblem {
  operation: string;
  status: number;
  problem: string;
}

/**
 * Checks answers against the OpenAPI document: the status must be documented for the operation, a JSON body must
 * have a documented JSON schema and match it exactly (no undocumented field), and a documented body must come.
 */
export class OpenApiResponses {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  readonly problems: ResponseProblem[] = [];
  /** `METHOD path status` of every checked answer. */
  readonly seen = new Set<string>();

  constructor(private readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: ROOT_ID, components: strict(document.components ?? {}) });
  }

  check(method: string, path: string, status: number, contentType: string | null, body: string): void {
    const operation = `${method.toUpperCase()} ${path}`;
    this.seen.add(`${operation} ${status}`);
    const fail = (problem: string): void => {
      this.problems.push({ operation, status, problem });
    };
    const documented = this.document.paths[path]?.[method.toLowerCase()];
    if (!documented) return fail('no such operation in the document');
    const response = documented.responses[String(status)];
    if (!response) return fail(`undocumented status (documented: ${Object.keys(documented.responses).join(', ')})`);
    const schema = response.content?.['application/json']?.schema;
    const isJson = contentType !== null && /^application\/json/.test(contentType);
    if (!isJson) {
      if (schema) fail(`documented a JSON body but got ${contentType ?? 'no body'}`);
      return;
    }
    if (!schema) return fail(`a JSON body with no documented schema: ${body.slice(0, 200)}`);
    const key = `${operation} ${status}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(strict(schema) as Schema);
      this.validators.set(key, validate);
    }
    if (!validate(JSON.parse(body))) {
      const errors = (validate.errors ?? []).map(
        (error) =>
          `${error.instancePath || '/'} ${error.message ?? ''}${'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`,
      );
      fail(`${[...new Set(errors)].join('; ')} in ${body.slice(0, 300)}`);
    }
  }
}

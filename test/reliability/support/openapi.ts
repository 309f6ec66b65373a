/** The parts of the live OpenAPI document the fuzzer reads: operations, parameters, body schemas. */
export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  minItems?: number;
  nullable?: boolean;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  $ref?: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  method: string;
  /** The OpenAPI path template, e.g. /v1/orgs/{orgId}/variables/{variableId}. */
  path: string;
  /** `GET /v1/orgs/{orgId}` — how findings name the operation. */
  id: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  headerParams: Parameter[];
  /** The JSON body's schema, $refs resolved; undefined when the operation takes no body. */
  body?: Schema;
  secured: boolean;
}

interface Document {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: unknown; security?: unknown[] }>>;
  components?: { schemas?: Record<string, Schema> };
}

/** Every operation of the document, with $refs resolved so generators see plain schemas. */
export function operationsOf(doc: Document): Operation[] {
  const resolve = (schema: Schema | undefined, depth = 0): Schema | undefined => {
    if (!schema || depth > 10) return schema;
    if (schema.$ref) return resolve(doc.components?.schemas?.[schema.$ref.split('/').pop()!], depth + 1);
    if (schema.allOf?.length === 1) return resolve({ ...schema.allOf[0], ...schema, allOf: undefined }, depth + 1);
    const resolved: Schema = { ...schema };
    if (schema.items) resolved.items = resolve(schema.items, depth + 1);
    if (schema.properties) {
      resolved.properties = Object.fromEntries(
        Object.entries(schema.properties).map(([name, child]) => [name, resolve(child, depth + 1)!]),
      );
    }
    if (typeof schema.additionalProperties === 'object') {
      resolved.additionalProperties = resolve(schema.additionalProperties, depth + 1);
    }
    return resolved;
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const parameters = (op.parameters ?? []).map((p) => ({ ...p, schema: resolve(p.schema) }));
      const content = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content;
      return {
        method: method.toUpperCase(),
        path,
        id: `${method.toUpperCase()} ${path}`,
        pathParams: parameters.filter((p) => p.in === 'path'),
        queryParams: parameters.filter((p) => p.in === 'query'),
        headerParams: parameters.filter((p) => p.in === 'header'),
        body: resolve(content?.['application/json']?.schema),
        secured: Boolean(op.security?.length),
      };
    }),
  );
}

/**
 * A value the schema accepts, so that one broken field at a time reaches validation alone, and a
 * whole valid body reaches the handler. `known` supplies real values by field name (ids of fixtures).
 */
export function validValue(schema: Schema | undefined, name = '', known: Record<string, unknown> = {}): unknown {
  if (name in known) return known[name];
  if (!schema) return 'value';
  if (schema.example !== undefined) return schema.example;
  if (schema.enum?.length) return schema.enum[0];
  switch (schema.type) {
    case 'object': {
      if (!schema.properties) return {};
      return Object.fromEntries(
        Object.entries(schema.properties).map(([field, child]) => [field, validValue(child, field, known)]),
      );
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => validValue(schema.items, '', known));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      return validString(schema, name);
  }
}

function validString(schema: Schema, name: string): string {
  switch (schema.format) {
    case 'uuid':
      return '0190d7a0-0000-7000-8000-000000000000';
    case 'date-time':
      return new Date(Date.now() + 86_400_000).toISOString();
    case 'uri':
      return 'https://example.test/picture.png';
    case 'email':
      return 'someone@example.test';
  }
  if (/email/i.test(name)) return 'someone@example.test';
  const text = 'fuzz-value';
  return text.padEnd(schema.minLength ?? 0, 'x').slice(0, schema.maxLength ?? text.length);
}

/** The body's top-level fields as [name, schema, required]. */
export function fieldsOf(schema: Schema | undefined): [string, Schema, boolean][] {
  return Object.entries(schema?.properties ?? {}).map(([name, child]) => [
    name,
    child,
    schema?.required?.includes(name) ?? false,
  ]);
}

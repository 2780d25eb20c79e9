/**
 * Validates response bodies and SSE chunks against OpenAI's official OpenAPI spec
 * (`../shared/reference/openai-openapi/openapi.yaml`, next to the repo root; DESIGN.md §6).
 *
 * The spec is OpenAPI 3.1 but keeps 3.0-isms ajv rejects or misreads, so each schema is rewritten
 * before compiling: `nullable: true` → a `null` type/enum member (or `anyOf [..., null]` when there
 * is no `type`), 3.0's boolean `exclusiveMinimum/Maximum` → 3.1's numeric form, and `x-*`,
 * `example(s)`, `discriminator`, `format` dropped (ajv has no formats without ajv-formats).
 * All component schemas sit under one schema id, so `#/components/schemas/X` refs resolve.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

export interface OpenApiValidator {
  /** Where the spec was read from. */
  readonly specPath: string;
  /** Validates `value` against `components.schemas[componentName]`; `errors` is '' when ok. */
  validate(componentName: string, value: unknown): { ok: boolean; errors: string };
  /** Like validate, but throws an Error listing every violation. */
  assert(componentName: string, value: unknown): void;
}

const SPEC_URL = new URL('../../../shared/reference/openai-openapi/openapi.yaml', import.meta.url);
const ROOT_ID = 'openai-openapi';

/** Keywords whose value is a map of name → schema. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords whose value is one schema. */
const SCHEMA_ONE = new Set([
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
  'additionalItems',
]);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/** Annotations and OpenAPI-only keywords ajv would choke on or that carry no constraint here. */
const DROPPED = new Set(['example', 'examples', 'discriminator', 'format', 'nullable', 'xml', 'externalDocs']);

type Json = Record<string, unknown>;

/** Rewrites one schema (and everything under it) into JSON Schema 2020-12 that ajv accepts. */
function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node === null || typeof node !== 'object') return node;
  const src = node as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(src)) {
    if (key.startsWith('x-') || DROPPED.has(key)) continue;
    if (SCHEMA_MAPS.has(key) && value !== null && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value as Json).map(([name, s]) => [name, rewrite(s)]));
    } else if (SCHEMA_ONE.has(key) || SCHEMA_LIST.has(key)) {
      out[key] = rewrite(value);
    } else {
      out[key] = value; // enum, const, required, default, description…: data, not schemas
    }
  }
  fixExclusiveBounds(out);
  return src.nullable === true ? makeNullable(out) : out;
}

/** OpenAPI 3.0's `minimum: 0, exclusiveMinimum: true` → `exclusiveMinimum: 0`. */
function fixExclusiveBounds(schema: Json): void {
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (schema[flag] === true) {
      schema[flag] = schema[bound];
      delete schema[bound];
    } else if (schema[flag] === false) {
      delete schema[flag];
    }
  }
}

function makeNullable(schema: Json): Json {
  if (typeof schema.type === 'string' || Array.isArray(schema.type)) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const out: Json = { ...schema, type: types.includes('null') ? types : [...types, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) out.enum = [...schema.enum, null];
    return out;
  }
  // No `type` (a $ref, oneOf…): the constraint becomes one branch of an anyOf.
  return { anyOf: [schema, { type: 'null' }] };
}

function readableErrors(validate: ValidateFunction, componentName: string): string {
  return (validate.errors ?? [])
    .map((e) => `${componentName}${e.instancePath || ''} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
    .join('\n');
}

/**
 * Loads the spec (once per process) and returns a validator, or null when the spec file is absent
 * (a user's clone): callers then `it.skipIf(!validator)` and say why.
 * @throws if the spec exists but cannot be parsed
 */
export function loadOpenApiValidator(): OpenApiValidator | null {
  if (cached === undefined) cached = build();
  return cached;
}

/** One parse per process: the YAML is 87k lines (~2 s). */
let cached: OpenApiValidator | null | undefined;

function build(): OpenApiValidator | null {
  const specPath = fileURLToPath(SPEC_URL);
  if (!existsSync(specPath)) return null;
  const spec = parse(readFileSync(specPath, 'utf8'), { maxAliasCount: -1 }) as { components?: { schemas?: Json } };
  const schemas = spec.components?.schemas ?? {};
  const rewritten = Object.fromEntries(Object.entries(schemas).map(([name, s]) => [name, rewrite(s)]));

  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: ROOT_ID, components: { schemas: rewritten } });
  const compiled = new Map<string, ValidateFunction>();

  function validatorFor(componentName: string): ValidateFunction {
    let validate = compiled.get(componentName);
    if (validate === undefined) {
      if (!Object.hasOwn(schemas, componentName)) throw new Error(`OpenAPI spec has no component schema '${componentName}'`);
      validate = ajv.getSchema(`${ROOT_ID}#/components/schemas/${componentName}`);
      if (validate === undefined) throw new Error(`ajv could not compile '${componentName}'`);
      compiled.set(componentName, validate);
    }
    return validate;
  }

  return {
    specPath,
    validate(componentName, value) {
      const validate = validatorFor(componentName);
      const ok = validate(value) === true;
      return { ok, errors: ok ? '' : readableErrors(validate, componentName) };
    },
    assert(componentName, value) {
      const { ok, errors } = this.validate(componentName, value);
      if (!ok) throw new Error(`value does not match OpenAPI ${componentName}:\n${errors}\nvalue: ${JSON.stringify(value).slice(0, 2000)}`);
    },
  };
}

/**
 * Small builders of JSON Schema (2020-12, OpenAPI 3.1's dialect) used by admin-openapi.ts:
 * references, integers with units, nullable scalars, closed objects, list envelopes, and request
 * schemas generated from zod.
 */
import { z } from 'zod';

/** A JSON Schema object. */
export type Schema = Record<string, unknown>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const int = (description: string, minimum = 0): Schema => ({ type: 'integer', minimum, description });
export const nullable = (type: 'string' | 'integer' | 'boolean', description: string): Schema => ({ type: [type, 'null'], description });
export const constant = (value: string): Schema => ({ type: 'string', const: value });
/** A closed object: every property required (nullable ones say so), nothing else allowed. */
export function closed(properties: Record<string, Schema>, description?: string): Schema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}
export const list = (item: string, description: string): Schema =>
  closed({ object: constant('list'), data: { type: 'array', items: ref(item) } }, description);

/** A request body schema from its zod schema (JSON Schema 2020-12, the dialect of OpenAPI 3.1). */
export function fromZod(schema: z.ZodType): Schema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as Schema;
  return json;
}

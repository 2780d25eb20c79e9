/** Writes the config's JSON Schema to packages/config/config.schema.json (editor completion). */
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema } from '../src/schema.ts';

const out = new URL('../config.schema.json', import.meta.url);
const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);

/** `npm run generate -w @distillgate/sdk`: writes src/generated/admin-api.ts (see admin-types.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_PATH, renderAdminTypes } from './admin-types.ts';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', GENERATED_PATH);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, await renderAdminTypes());
console.log(`wrote ${target}`);

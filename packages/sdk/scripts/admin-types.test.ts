import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { GENERATED_PATH, renderAdminTypes } from './admin-types.ts';

it('the committed admin types match the OpenAPI document (else: npm run generate -w @distillgate/sdk)', async () => {
  const committed = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', GENERATED_PATH), 'utf8');
  expect(committed).toBe(await renderAdminTypes());
});

/**
 * Runs in workerd before each test file (each file has storage of its own): applies the D1
 * migrations of packages/db (read in Node by vitest.config.ts into `TEST_MIGRATIONS`) and creates
 * the development key of dev-key.ts.
 */

import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createKey, findActiveKeyBySecret } from '@distillgate/db';
import { DEV_KEY, testDatabase } from './dev-key.ts';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
const db = testDatabase();
if (!(await findActiveKeyBySecret(db, DEV_KEY))) await createKey(db, { name: 'workerd tests', secret: DEV_KEY });

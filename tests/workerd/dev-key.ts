/**
 * The API key every workerd test file has: tests/workerd/setup.ts migrates the file's D1 database
 * and creates this key (storage is per test file), so requests send `Authorization: Bearer DEV_KEY`.
 */

import { env } from 'cloudflare:workers';
import type { Database } from '@distillgate/db';
import { drizzle } from 'drizzle-orm/d1';

/** A fixed secret (createKey's `secret`: 16–256 visible ASCII characters). */
export const DEV_KEY = 'dg-workerd-test-key-0123456789abcdefghijklmnop';

/** Headers that authenticate as DEV_KEY. */
export const AUTH = { authorization: `Bearer ${DEV_KEY}` } as const;

/** The `DB` binding through drizzle, as the gateway sees it. */
export function testDatabase(): Database {
  return drizzle(env.DB) as unknown as Database;
}

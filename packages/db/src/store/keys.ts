/**
 * API keys (DESIGN.md §5 "Admin API": `POST/GET /keys` with the secret shown once,
 * `POST /keys/{id}/revoke`, `PATCH /keys/{id}`). A secret is `dg-` + 43 base64url characters
 * (32 random bytes); only its SHA-256 (hex) and display prefix are stored, so a lost secret
 * cannot be recovered, only replaced.
 */
import { and, eq, getTableColumns, isNull } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { apiKeys, type BudgetPeriod } from '../schema.ts';
import { randomBase64Url, sha256Hex } from './crypto.ts';

/** Every secret starts with this. */
export const SECRET_PREFIX = 'dg-';
/** Characters of the secret kept for display: `dg-` + 6. */
const DISPLAY_PREFIX_LENGTH = SECRET_PREFIX.length + 6;

/** A key as the admin API shows it (no secret, no hash). */
export interface ApiKey {
  id: string;
  /** The secret's first characters, e.g. `dg-AbC12x`. */
  prefix: string;
  name: string;
  /** Model ids or aliases allowed; null = any. */
  allowedModels: string[] | null;
  /** Requests per minute; null = unlimited. */
  rpm: number | null;
  /** Tokens per minute; null = unlimited. */
  tpm: number | null;
  /** Spend per period, micro-USD; null = unlimited. */
  budgetMicroUsd: number | null;
  /** Always `month`: calendar month, UTC. */
  budgetPeriod: BudgetPeriod;
  createdAtMs: number;
  revokedAtMs: number | null;
}

/** Settable limits; `null` removes a limit, an absent field leaves it as it is. */
export interface KeyLimits {
  allowedModels?: string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  budgetMicroUsd?: number | null;
}

const { secretSha256: _hash, ...publicColumns } = getTableColumns(apiKeys);

function assertLimits(limits: KeyLimits & { name?: string }): void {
  if (limits.name !== undefined && (typeof limits.name !== 'string' || limits.name.trim() === '')) {
    throw new TypeError('name must be a non-empty string');
  }
  for (const field of ['rpm', 'tpm'] as const) {
    const value = limits[field];
    if (value != null && (!Number.isInteger(value) || value <= 0))
      throw new RangeError(`${field} must be an integer > 0 or null, got ${value}`);
  }
  const budget = limits.budgetMicroUsd;
  if (budget != null && (!Number.isSafeInteger(budget) || budget < 0)) {
    throw new RangeError(`budgetMicroUsd must be an integer ≥ 0 (micro-USD) or null, got ${budget}`);
  }
  const models = limits.allowedModels;
  if (models != null && (!Array.isArray(models) || models.some((m) => typeof m !== 'string' || m === ''))) {
    throw new TypeError('allowedModels must be an array of non-empty model ids, or null');
  }
}

/** A secret given by an operator (e.g. DISTILLGATE_DEV_KEY): 16–256 visible ASCII characters. */
const IMPORTED_SECRET = /^[\x21-\x7e]{16,256}$/;

/**
 * Creates a key. The secret is returned here only.
 * @param input.name a label for people (non-empty)
 * @param input.secret use this secret instead of a random one (an operator's development key);
 *   16–256 visible ASCII characters
 * @throws TypeError / RangeError on an invalid name, limit or secret; the driver's unique-constraint
 *   error when a key with this secret exists
 */
export async function createKey(
  db: Database,
  input: { name: string; secret?: string } & KeyLimits,
  nowMs: number = Date.now(),
): Promise<{ key: ApiKey; secret: string }> {
  assertLimits(input);
  if (input.secret !== undefined && !IMPORTED_SECRET.test(input.secret)) {
    throw new TypeError('secret must be 16–256 visible ASCII characters');
  }
  const secret = input.secret ?? SECRET_PREFIX + randomBase64Url(32);
  const [key] = await db
    .insert(apiKeys)
    .values({
      id: `key_${randomBase64Url(12)}`,
      secretSha256: await sha256Hex(secret),
      prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
      name: input.name,
      allowedModels: input.allowedModels ?? null,
      rpm: input.rpm ?? null,
      tpm: input.tpm ?? null,
      budgetMicroUsd: input.budgetMicroUsd ?? null,
      createdAtMs: nowMs,
    })
    .returning(publicColumns);
  return { key: key!, secret };
}

/** The active (not revoked) key whose secret hashes to `secretSha256` (hex), else undefined. */
export async function findActiveKeyByHash(db: Database, secretSha256: string): Promise<ApiKey | undefined> {
  const [key] = await db
    .select(publicColumns)
    .from(apiKeys)
    .where(and(eq(apiKeys.secretSha256, secretSha256.toLowerCase()), isNull(apiKeys.revokedAtMs)));
  return key;
}

/** The active key for a bearer secret, else undefined (authentication). */
export async function findActiveKeyBySecret(db: Database, secret: string): Promise<ApiKey | undefined> {
  return findActiveKeyByHash(db, await sha256Hex(secret));
}

/** A key by id, revoked or not. */
export async function getKey(db: Database, id: string): Promise<ApiKey | undefined> {
  const [key] = await db.select(publicColumns).from(apiKeys).where(eq(apiKeys.id, id));
  return key;
}

/** Keys, oldest first; revoked ones too unless `includeRevoked` is false. */
export async function listKeys(db: Database, options: { includeRevoked?: boolean } = {}): Promise<ApiKey[]> {
  const query = db.select(publicColumns).from(apiKeys);
  const rows =
    options.includeRevoked === false
      ? await query.where(isNull(apiKeys.revokedAtMs)).orderBy(apiKeys.createdAtMs)
      : await query.orderBy(apiKeys.createdAtMs);
  return rows;
}

/**
 * Revokes a key for good; revoking again keeps the first time.
 * @returns the key, or undefined when no key has this id
 */
export async function revokeKey(db: Database, id: string, nowMs: number = Date.now()): Promise<ApiKey | undefined> {
  await db
    .update(apiKeys)
    .set({ revokedAtMs: nowMs })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAtMs)));
  return getKey(db, id);
}

/**
 * Changes a key's name and limits (`PATCH /keys/{id}`). A new budget applies to the next
 * reservation (budgets.ts reads it in the same statement).
 * @returns the updated key, or undefined when no key has this id
 * @throws TypeError / RangeError on an invalid name or limit
 */
export async function updateKey(db: Database, id: string, patch: { name?: string } & KeyLimits): Promise<ApiKey | undefined> {
  assertLimits(patch);
  const set: Partial<typeof apiKeys.$inferInsert> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.allowedModels !== undefined) set.allowedModels = patch.allowedModels;
  if (patch.rpm !== undefined) set.rpm = patch.rpm;
  if (patch.tpm !== undefined) set.tpm = patch.tpm;
  if (patch.budgetMicroUsd !== undefined) set.budgetMicroUsd = patch.budgetMicroUsd;
  if (Object.keys(set).length === 0) return getKey(db, id);
  const [key] = await db.update(apiKeys).set(set).where(eq(apiKeys.id, id)).returning(publicColumns);
  return key;
}

/**
 * The embedded default's first key (issue: "on first start, `npm start` creates a development key
 * (or takes DISTILLGATE_DEV_KEY from the environment) and prints it once"). With
 * DISTILLGATE_DEV_KEY set, that secret is made a key named `development` unless a key with it
 * exists. Without it, a random key is created only when the database has no key at all (revoked
 * ones included: an operator who revoked every key meant it) — the secret is printed then and
 * never again (only its hash is stored).
 */
import { apiKeys, createKey, type Database, findActiveKeyBySecret, listKeys, sha256Hex } from '@distillgate/db';
import { eq } from 'drizzle-orm';

export type DevKey = { secret: string; created: boolean } | null;

/**
 * @param envSecret DISTILLGATE_DEV_KEY, if set
 * @returns the secret to print (created now, or the one given), or null when keys already exist
 * @throws TypeError when `envSecret` is not 16–256 visible ASCII characters, or names a revoked key
 */
export async function ensureDevKey(db: Database, envSecret: string | undefined): Promise<DevKey> {
  if (envSecret !== undefined && envSecret !== '') {
    if (await findActiveKeyBySecret(db, envSecret)) return { secret: envSecret, created: false };
    const [revoked] = await db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(eq(apiKeys.secretSha256, await sha256Hex(envSecret)));
    if (revoked) throw new TypeError(`it names the revoked key ${revoked.id}; choose another secret`);
    await createKey(db, { name: 'development', secret: envSecret });
    return { secret: envSecret, created: true };
  }
  if ((await listKeys(db)).length > 0) return null;
  const { secret } = await createKey(db, { name: 'development' });
  return { secret, created: true };
}

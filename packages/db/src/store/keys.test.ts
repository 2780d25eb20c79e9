import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiKeys } from '../schema.ts';
import { openTempDatabase, type TempDatabase } from '../temp-database.ts';
import { sha256Hex } from './crypto.ts';
import { createKey, findActiveKeyByHash, findActiveKeyBySecret, getKey, listKeys, revokeKey, updateKey } from './keys.ts';

let t: TempDatabase;
beforeEach(() => {
  t = openTempDatabase();
});
afterEach(() => t.close());

describe('API keys', () => {
  it('returns the secret once and stores only its SHA-256 and display prefix', async () => {
    const { key, secret } = await createKey(t.db, { name: 'ci', rpm: 60, allowedModels: ['auto'] }, 1000);
    expect(secret).toMatch(/^dg-[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({ name: 'ci', prefix: secret.slice(0, 9), rpm: 60, tpm: null, allowedModels: ['auto'], createdAtMs: 1000 });
    expect(key).not.toHaveProperty('secretSha256');
    const [stored] = await t.db.select().from(apiKeys);
    expect(stored!.secretSha256).toBe(await sha256Hex(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('finds an active key by secret and by hash; a revoked key is not found', async () => {
    const { key, secret } = await createKey(t.db, { name: 'a' });
    const other = await createKey(t.db, { name: 'b' });
    expect((await findActiveKeyBySecret(t.db, secret))?.id).toBe(key.id);
    expect((await findActiveKeyByHash(t.db, await sha256Hex(secret)))?.id).toBe(key.id);
    expect(await findActiveKeyBySecret(t.db, `${secret}x`)).toBeUndefined();

    const revoked = await revokeKey(t.db, key.id, 5000);
    expect(revoked?.revokedAtMs).toBe(5000);
    expect(await findActiveKeyBySecret(t.db, secret)).toBeUndefined();
    expect(await findActiveKeyByHash(t.db, await sha256Hex(secret))).toBeUndefined();
    expect((await revokeKey(t.db, key.id, 9000))?.revokedAtMs).toBe(5000);
    expect((await getKey(t.db, key.id))?.revokedAtMs).toBe(5000);
    expect((await findActiveKeyBySecret(t.db, other.secret))?.id).toBe(other.key.id);
    expect(await revokeKey(t.db, 'key_missing')).toBeUndefined();
  });

  it('updates limits: null removes one, absent keeps it', async () => {
    const { key } = await createKey(t.db, { name: 'a', rpm: 10, tpm: 1000, budgetMicroUsd: 5 });
    const updated = await updateKey(t.db, key.id, { tpm: null, budgetMicroUsd: 2_000_000, name: 'renamed' });
    expect(updated).toMatchObject({ name: 'renamed', rpm: 10, tpm: null, budgetMicroUsd: 2_000_000, budgetPeriod: 'month' });
    expect(await updateKey(t.db, key.id, {})).toEqual(updated);
    expect(await updateKey(t.db, 'key_missing', { rpm: 1 })).toBeUndefined();
  });

  it('rejects invalid names and limits before writing', async () => {
    await expect(createKey(t.db, { name: '' })).rejects.toThrow(TypeError);
    await expect(createKey(t.db, { name: 'a', rpm: 0 })).rejects.toThrow(RangeError);
    await expect(createKey(t.db, { name: 'a', budgetMicroUsd: 1.5 })).rejects.toThrow(RangeError);
    await expect(createKey(t.db, { name: 'a', allowedModels: [''] })).rejects.toThrow(TypeError);
    expect(await listKeys(t.db)).toEqual([]);
  });

  it('lists keys oldest first, revoked ones unless excluded', async () => {
    const a = await createKey(t.db, { name: 'a' }, 1);
    const b = await createKey(t.db, { name: 'b' }, 2);
    await revokeKey(t.db, a.key.id);
    expect((await listKeys(t.db)).map((k) => k.name)).toEqual(['a', 'b']);
    expect((await listKeys(t.db, { includeRevoked: false })).map((k) => k.id)).toEqual([b.key.id]);
  });
});

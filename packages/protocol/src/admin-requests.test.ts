import { describe, expect, it } from 'vitest';
import { parseCreateKeyRequest, parsePutPriceRequest, parseUpdateKeyRequest, parseUsageQuery } from './admin-requests.ts';
import { GatewayError } from './errors.ts';

/** The 400 a parse throws, as `{code, param}`. */
function refusal(parse: () => unknown): { code: string; param: string | null; message: string } {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    expect(err.status).toBe(400);
    return { code: err.code, param: err.param, message: err.message };
  }
  throw new Error('expected a 400');
}

describe('admin request bodies', () => {
  it('takes a key with limits, nulls meaning unlimited', () => {
    expect(parseCreateKeyRequest({ name: 'a', rpm: 5, tpm: null, budget_micro_usd: 0, allowed_models: ['auto'] })).toEqual({
      name: 'a',
      rpm: 5,
      tpm: null,
      budget_micro_usd: 0,
      allowed_models: ['auto'],
    });
    expect(parseUpdateKeyRequest({})).toEqual({});
  });

  it('names the offending field; an unknown field before a missing one', () => {
    expect(refusal(() => parseCreateKeyRequest({}))).toMatchObject({ code: 'missing_required_parameter', param: 'name' });
    expect(refusal(() => parseCreateKeyRequest({ name: 'a', rpm: 0 }))).toMatchObject({ code: 'invalid_value', param: 'rpm' });
    expect(refusal(() => parseCreateKeyRequest({ name: 'a', allowed_models: [''] }))).toMatchObject({ param: 'allowed_models[0]' });
    expect(refusal(() => parseUpdateKeyRequest({ name: null }))).toMatchObject({ code: 'invalid_value', param: 'name' });
    expect(refusal(() => parsePutPriceRequest({ input_usd_per_mtok: 1 }))).toMatchObject({
      code: 'invalid_value',
      param: 'input_usd_per_mtok',
      message: "Unknown parameter: 'input_usd_per_mtok'.",
    });
    expect(refusal(() => parsePutPriceRequest({ input_micro_usd_per_mtok: 1.5, output_micro_usd_per_mtok: 1 }))).toMatchObject({
      param: 'input_micro_usd_per_mtok',
    });
  });
});

describe('usage queries', () => {
  it('reads ms and ISO 8601 times, integers and enums', () => {
    expect(
      parseUsageQuery(
        { since: '1700000000000', until: '2026-01-02T00:00:00Z', limit: '10', before_id: '99', route: 'edge', status: 'ok' },
        'admin',
      ),
    ).toEqual({ since: 1_700_000_000_000, until: Date.UTC(2026, 0, 2), limit: 10, before_id: 99, route: 'edge', status: 'ok' });
    expect(parseUsageQuery({ group_by: 'day', key_id: 'key_x' }, 'admin')).toEqual({ group_by: 'day', key_id: 'key_x' });
  });

  it('refuses bad values, paging with group_by, and key_id from a key holder', () => {
    for (const [query, param] of [
      [{ since: 'yesterday' }, 'since'],
      [{ until: '2026-02-30T99:00:00Z' }, 'until'],
      [{ limit: '1001' }, 'limit'],
      [{ limit: '1e3' }, 'limit'],
      [{ before_id: '0' }, 'before_id'],
      [{ group_by: 'week' }, 'group_by'],
      [{ group_by: 'model', before_id: '5' }, 'before_id'],
    ] as const) {
      expect(
        refusal(() => parseUsageQuery(query, 'admin')),
        JSON.stringify(query),
      ).toMatchObject({ code: 'invalid_value', param });
    }
    expect(refusal(() => parseUsageQuery({ key_id: 'key_x' }, 'key'))).toMatchObject({ code: 'invalid_value', param: 'key_id' });
  });
});

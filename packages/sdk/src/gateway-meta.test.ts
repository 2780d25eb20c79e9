import { describe, expect, it } from 'vitest';
import { gatewayMeta } from './gateway-meta.ts';

describe('gatewayMeta', () => {
  it('decodes route, model@version, cost, policy and confidence', () => {
    const meta = gatewayMeta(
      new Headers({
        'x-request-id': 'r1',
        'x-distillgate-route': 'escalated',
        'x-distillgate-model': 'org/teacher@1.2@3',
        'x-distillgate-cost-micro-usd': '42',
        'x-distillgate-policy': 'cascade',
        'x-distillgate-confidence': '-1.2345',
      }),
    );
    expect(meta).toEqual({
      requestId: 'r1',
      route: 'escalated',
      model: 'org/teacher@1.2',
      modelVersion: '3',
      costMicroUsd: 42,
      idempotentReplay: false,
      policy: 'cascade',
      confidence: -1.2345,
    });
  });
  it('makes absent or malformed values null, never NaN', () => {
    const meta = gatewayMeta(
      new Headers({ 'x-distillgate-route': 'gpu', 'x-distillgate-cost-micro-usd': '1.5', 'x-distillgate-confidence': 'abc' }),
    );
    expect(meta).toMatchObject({ route: null, costMicroUsd: null, confidence: null, policy: null, model: null });
    expect(gatewayMeta(new Headers({ 'x-distillgate-confidence': ' ' })).confidence).toBeNull();
  });
});

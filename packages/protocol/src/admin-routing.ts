/**
 * The routing part of the admin OpenAPI document (admin-openapi.ts): routed aliases, their
 * calibration from shadow records and the last canary check (`GET /admin/v1/routing`,
 * `POST /admin/v1/routing/{alias}/calibrate`; the gateway's routing/router.ts builds them).
 */
import { closed, constant, int, list, ref, type Schema } from './openapi-builders.ts';

export const routingSchemas: Record<string, Schema> = {
  RoutingCalibration: closed(
    {
      threshold: {
        type: ['number', 'null'],
        description: 'Serve on the edge when score ≥ threshold; null: no threshold meets the target.',
      },
      edge_share: { type: 'number', minimum: 0, maximum: 1, description: 'Weighted share of shadow records kept on the edge.' },
      quality: { type: 'number', minimum: 0, maximum: 1, description: 'Weighted quality of the routed traffic at that threshold.' },
      records: int('Shadow records used.'),
      calibrated_at_ms: int('ms since the Unix epoch'),
    },
    'A threshold calibrated from shadow records (the largest edge share meeting the target).',
  ),
  CanaryCheck: closed(
    {
      model: { type: 'string', description: 'The edge model.' },
      live: { type: 'string', description: 'Live version when checked.' },
      canary: { type: 'string', description: 'Canary version when checked.' },
      decision: { type: 'string', enum: ['promote', 'rollback', 'wait'] },
      difference: { type: ['number', 'null'], description: 'mean quality(canary) − mean quality(live).' },
      interval: {
        oneOf: [{ type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 }, { type: 'null' }],
        description: "95 % interval of the difference (Welch's normal approximation).",
      },
      live_records: int('Shadow records of the live version.'),
      canary_records: int('Shadow records of the canary version.'),
      checked_at_ms: int('ms since the Unix epoch'),
    },
    "The last canary check of the alias's edge model (shadow records of both versions).",
  ),
  RoutingAlias: closed(
    {
      object: constant('routing_alias'),
      alias: { type: 'string' },
      policy: { type: 'string', enum: ['rules', 'cascade', 'learned'] },
      threshold: { type: ['number', 'null'], description: 'The active threshold (null: every request escalates).' },
      threshold_source: { type: 'string', enum: ['config', 'calibration'] },
      calibration: { oneOf: [ref('RoutingCalibration'), { type: 'null' }] },
      target: closed({ measure: { type: 'string', enum: ['q', 'rouge_l', 'agreement'] }, quality: { type: 'number' } }),
      cascade: closed({ probe_tokens: int('K: tokens drafted before the gate decides', 1), signal: { type: 'string' } }),
      shadow: closed({
        share: { type: 'number', minimum: 0, maximum: 1 },
        recorded: int('Shadow runs measured.'),
        dropped: int('Shadow runs dropped (edge busy, no pool member).'),
        failed: int('Shadow runs that failed.'),
      }),
      canary: { oneOf: [ref('CanaryCheck'), { type: 'null' }] },
    },
    'A routed alias: its policy, active threshold, calibration and shadow counts.',
  ),
  RoutingAliasList: list('RoutingAlias', 'Every routed alias (policy rules, cascade or learned).'),
};

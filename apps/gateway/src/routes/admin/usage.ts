/** `GET /admin/v1/usage`: every key's usage rows or aggregates, with the internal fields (routes/usage.ts has the answer). */
import { parseUsageQuery } from '@distillgate/protocol';
import type { Handler } from 'hono';
import type { GatewayDeps, GatewayEnv } from '../../env.ts';
import { usageAnswer } from '../usage.ts';
import { meteringDisabled } from './wire.ts';

export function adminUsageRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function adminUsageHandler(c) {
    const db = deps.metering?.db;
    if (!db) return meteringDisabled();
    return c.json(await usageAnswer(db, parseUsageQuery(c.req.query(), 'admin'), 'admin'));
  };
}

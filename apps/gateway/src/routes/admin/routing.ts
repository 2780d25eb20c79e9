/**
 * `GET /admin/v1/routing`: every routed alias (policy, active threshold and where it came from,
 * last calibration, last canary check, shadow counts). `POST /admin/v1/routing/{alias}/calibrate`:
 * calibrate the alias's threshold and check its edge model's canary from the shadow records now
 * (routing/router.ts), then the alias as listed (with fewer than `calibration.minRecords` records
 * its threshold stays the configured one: `threshold_source: "config"`, `calibration: null`).
 */
import { errors, GatewayError } from '@distillgate/protocol';
import type { Handler } from 'hono';
import type { GatewayDeps, GatewayEnv } from '../../env.ts';

export function listRoutingRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async (c) => c.json({ object: 'list', data: deps.router ? await deps.router.status(deps.metering?.db) : [] });
}

/** @throws GatewayError 404 model_not_found for an alias that is not routed */
export function calibrateRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async (c) => {
    const alias = c.req.param('alias') ?? '';
    const router = deps.router;
    if (!router?.policyOf(alias)) {
      const notFound = errors.modelNotFound(alias);
      throw new GatewayError({
        status: 404,
        type: notFound.type,
        code: notFound.code,
        param: 'alias',
        message: `'${alias.slice(0, 200)}' is not a routed alias (a models{} entry with policy rules, cascade or learned).`,
      });
    }
    if (deps.metering) {
      await router.calibrate(alias, deps.metering.db);
      if (deps.edge && router.settings(alias).canary.enabled) await router.checkCanary(alias, deps.metering.db, deps.edge);
    }
    const [status] = await router.status(deps.metering?.db, alias);
    return c.json(status);
  };
}

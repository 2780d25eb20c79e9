/**
 * `GET /metrics`: the gateway's Prometheus text (metrics/index.ts), behind the admin token
 * (`Authorization: Bearer $DISTILLGATE_ADMIN_TOKEN`, what a scraper sends; 503 `admin_disabled`
 * without one, as the admin API).
 */
import { Hono } from 'hono';
import type { GatewayDeps, GatewayEnv } from '../env.ts';
import { AdminCredentials, adminAuth, adminGate, noStore } from '../middleware/admin-auth/index.ts';

export function metricsRoute(deps: GatewayDeps): Hono<GatewayEnv> {
  const credentials = deps.adminToken ? new AdminCredentials(deps.adminToken) : null;
  const route = new Hono<GatewayEnv>();
  route.use(noStore(), adminGate(credentials));
  if (credentials) route.use(adminAuth(credentials));
  route.get('/', async (c) => {
    const reserved = deps.metering?.reservedMicroUsd ? await deps.metering.reservedMicroUsd() : null;
    return c.body(deps.metrics?.render(reserved) ?? '', 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  return route;
}

/**
 * The admin API's route table, mounted at `/admin/v1` (DESIGN.md §5 "Admin API"; the OpenAPI
 * document is packages/protocol admin-openapi.ts, served at `/admin/v1/openapi.json`):
 *
 *   no-store → gate (503 without DISTILLGATE_ADMIN_TOKEN; 401 for credentials in the query string)
 *     POST   /session                  log in (token → cookie)          DELETE /session   log out
 *   → admin auth (Bearer token or session cookie; everything registered after it)
 *     GET    /keys   POST /keys        GET|PATCH /keys/{id}              POST /keys/{id}/revoke
 *     GET    /prices                   GET|PUT /prices/{model}
 *     GET    /usage                    GET /models                       GET /openapi.json
 *     GET    /routing                  POST /routing/{alias}/calibrate
 *     GET    /stats                    (the dashboard's sums, teacher-only cost, latency percentiles)
 *
 * Order matters: Hono runs handlers in registration order and stops at the first that answers, so
 * the session routes answer before `adminAuth` is reached; any other path meets it first (an
 * unauthenticated probe learns nothing, not even which paths exist).
 */
import { adminOpenApi } from '@distillgate/protocol';
import { Hono } from 'hono';
import type { GatewayDeps, GatewayEnv } from '../../env.ts';
import { AdminCredentials, adminAuth, adminGate, noStore } from '../../middleware/admin-auth/index.ts';
import { jsonBody } from '../../middleware/json-body/index.ts';
import { createKeyRoute, getKeyRoute, listKeysRoute, revokeKeyRoute, updateKeyRoute } from './keys.ts';
import { adminModelsRoute } from './models.ts';
import { getPriceRoute, listPricesRoute, putPriceRoute } from './prices.ts';
import { calibrateRoute, listRoutingRoute } from './routing.ts';
import { loginRoute, logoutRoute } from './session.ts';
import { adminStatsRoute } from './stats.ts';
import { adminUsageRoute } from './usage.ts';

/** Shorter admin tokens work but are logged as a warning at start. @unit characters */
const RECOMMENDED_TOKEN_LENGTH = 24;

export function adminRoutes(deps: GatewayDeps): Hono<GatewayEnv> {
  const token = deps.adminToken;
  const credentials = token ? new AdminCredentials(token) : null;
  if (token && token.length < RECOMMENDED_TOKEN_LENGTH) {
    deps.logger.warn(`DISTILLGATE_ADMIN_TOKEN is shorter than ${RECOMMENDED_TOKEN_LENGTH} characters; use a long random value`);
  }
  const admin = new Hono<GatewayEnv>();
  admin.use(noStore(), adminGate(credentials));
  if (!credentials) return admin; // the gate answers 503 to everything

  const body = jsonBody(deps.config.server.maxBodyBytes);
  admin.post('/session', body, loginRoute(deps, credentials));
  admin.delete('/session', logoutRoute(credentials));
  admin.use(adminAuth(credentials));

  admin.get('/keys', listKeysRoute(deps));
  admin.post('/keys', body, createKeyRoute(deps));
  admin.get('/keys/:id', getKeyRoute(deps));
  admin.patch('/keys/:id', body, updateKeyRoute(deps));
  admin.post('/keys/:id/revoke', revokeKeyRoute(deps));
  admin.get('/prices', listPricesRoute(deps));
  // model ids may contain '/' (`org/model`): the parameter takes the rest of the path
  admin.get('/prices/:model{.+}', getPriceRoute(deps));
  admin.put('/prices/:model{.+}', body, putPriceRoute(deps));
  admin.get('/usage', adminUsageRoute(deps));
  admin.get('/stats', adminStatsRoute(deps));
  admin.get('/models', adminModelsRoute(deps));
  admin.get('/routing', listRoutingRoute(deps));
  admin.post('/routing/:alias/calibrate', calibrateRoute(deps));
  admin.get('/openapi.json', (c) => c.json(adminOpenApi));
  return admin;
}

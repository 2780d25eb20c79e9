/** `GET /v1/models` in OpenAI's ListModelsResponse shape. */
import type { Handler } from 'hono';
import type { GatewayDeps, GatewayEnv } from '../env.ts';

/** Unix seconds reported as every model's `created` (the process start). */
const CREATED = Math.floor(Date.now() / 1000);

export function modelsRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return function modelsHandler(c) {
    return c.json({
      object: 'list',
      data: deps.registry.list().map((m) => ({ id: m.id, object: 'model', created: CREATED, owned_by: m.ownedBy })),
    });
  };
}

/**
 * `GET /v1/models` in OpenAI's ListModelsResponse shape. Edge models also carry `version` (from
 * their live manifest.json, null when unknown) and `status` (`not_loaded` | `loading` | `ready` |
 * `unavailable`): extra fields, which the spec allows.
 */
import type { Handler } from 'hono';
import type { EdgeModelInfo } from '../edge/provider.ts';
import type { GatewayDeps, GatewayEnv } from '../env.ts';

/** Unix seconds reported as every model's `created` (the process start). */
const CREATED = Math.floor(Date.now() / 1000);

export function modelsRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return function modelsHandler(c) {
    const edge = new Map<string, EdgeModelInfo>((deps.edge?.models() ?? []).map((m) => [m.id, m]));
    return c.json({
      object: 'list',
      data: deps.registry.list().map((m) => {
        const entry = { id: m.id, object: 'model', created: CREATED, owned_by: m.ownedBy };
        if (!m.edge) return entry;
        const info = edge.get(m.id);
        return { ...entry, version: info?.version ?? null, status: info?.status ?? 'unavailable' };
      }),
    });
  };
}

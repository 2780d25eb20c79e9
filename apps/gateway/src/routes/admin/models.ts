/**
 * `GET /admin/v1/models`: every alias (policy, targets), every edge model (state from the edge
 * provider — status, live version, context — plus channels.json and each version's manifest
 * metrics where the folders can be read, edge-catalog.ts), and every upstream model id with the
 * upstreams serving it. Nothing secret: upstream credentials and base URLs are not listed.
 */
import type { Handler } from 'hono';
import type { EdgeModelInfo } from '../../edge/provider.ts';
import type { GatewayDeps, GatewayEnv } from '../../env.ts';
import { readEdgeCatalog } from './edge-catalog.ts';

function aliasModels(deps: GatewayDeps) {
  return Object.entries(deps.config.models).map(([id, alias]) => ({
    object: 'model' as const,
    id,
    kind: 'alias' as const,
    policy: alias.policy,
    targets: alias.targets.map((t) => ('edge' in t ? { edge: t.edge } : { upstream: t.upstream, model: t.model ?? null })),
  }));
}

async function edgeModels(deps: GatewayDeps) {
  const { edge: config } = deps.config;
  const live = new Map<string, EdgeModelInfo>((deps.edge?.models() ?? []).map((m) => [m.id, m]));
  return Promise.all(
    config.models.map(async (id) => {
      const info = live.get(id);
      const catalog = await readEdgeCatalog(config.modelsDir, id);
      return {
        object: 'model' as const,
        id,
        kind: 'edge' as const,
        // no provider (a gateway built without one): edge targets count as unavailable
        status: info?.status ?? ('unavailable' as const),
        version: info?.version ?? null,
        context_length: info?.contextLength ?? null,
        error: info ? (info.error ?? null) : 'no edge runtime in this gateway',
        channels: catalog.channels,
        versions: catalog.versions,
      };
    }),
  );
}

function upstreamModels(deps: GatewayDeps) {
  const byModel = new Map<string, Array<{ upstream: string; version: string; context_length: number }>>();
  for (const u of deps.config.upstreams) {
    for (const id of u.models) {
      const members = byModel.get(id) ?? [];
      members.push({ upstream: u.name, version: u.version, context_length: u.contextLength });
      byModel.set(id, members);
    }
  }
  return [...byModel].map(([id, members]) => ({ object: 'model' as const, id, kind: 'upstream' as const, members }));
}

export function adminModelsRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function adminModelsHandler(c) {
    return c.json({ object: 'list', data: [...aliasModels(deps), ...(await edgeModels(deps)), ...upstreamModels(deps)] });
  };
}

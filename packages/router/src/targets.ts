/**
 * Resolves a request's `model` to the ordered list of upstream targets that may serve it
 * (DESIGN.md §5 "Models"): an alias from `models{}` first, else every upstream that lists the id.
 */
import type { Config } from '@distillgate/config';
import { OpenAICompatibleUpstream } from './upstream/openai-compatible.ts';
import type { FetchLike } from './upstream/timed-fetch.ts';

/** One place a request can be sent: a member and the model id to ask it for. */
export interface Target {
  upstream: OpenAICompatibleUpstream;
  /** Model id sent upstream. */
  model: string;
  /** Version for `x-distillgate-model: <model>@<version>`. */
  version: string;
}

/** A model id as listed by `GET /v1/models`. */
export interface ListedModel {
  id: string;
  /** `distillgate` for aliases, else the upstream's name. */
  ownedBy: string;
}

export class UpstreamRegistry {
  private readonly upstreams = new Map<string, OpenAICompatibleUpstream>();

  /**
   * @param fetchFor the transport for each member (Node: an undici Agent with its connect timeout;
   *   Workers: global fetch)
   */
  constructor(
    private readonly config: Config,
    fetchFor: (upstream: Config['upstreams'][number]) => FetchLike,
  ) {
    for (const u of config.upstreams) this.upstreams.set(u.name, new OpenAICompatibleUpstream(u, fetchFor(u)));
  }

  /** Targets for `model`, in failover order; undefined when nothing serves it (→ 404 model_not_found). */
  resolve(model: string): Target[] | undefined {
    const alias = this.config.models[model];
    if (alias) {
      return alias.targets.map((t) => {
        const upstream = this.upstreams.get(t.upstream) as OpenAICompatibleUpstream; // checked by the config schema
        return { upstream, model: t.model ?? (upstream.config.models[0] as string), version: upstream.config.version };
      });
    }
    const targets = [...this.upstreams.values()]
      .filter((u) => u.config.models.includes(model))
      .map((upstream) => ({ upstream, model, version: upstream.config.version }));
    return targets.length ? targets : undefined;
  }

  /** Every servable model id: aliases, then upstream models (deduplicated). */
  list(): ListedModel[] {
    const seen = new Set<string>();
    const out: ListedModel[] = [];
    const add = (id: string, ownedBy: string) => {
      if (seen.has(id)) return;
      seen.add(id);
      out.push({ id, ownedBy });
    };
    for (const alias of Object.keys(this.config.models)) add(alias, 'distillgate');
    for (const u of this.upstreams.values()) for (const id of u.config.models) add(id, u.name);
    return out;
  }
}

/**
 * Resolves a request's `model` to the ordered list of targets that may serve it (DESIGN.md §5
 * "Models"): an alias from `models{}` first, else an edge model id (served by the edge only), else
 * every upstream that lists the id.
 *
 * A target is a tagged union: a pool member (an OpenAI-compatible upstream) or an edge model run
 * in-process. Generic code (failover, attempt records) reads only `kind` and `member`; what a kind
 * means is known only where it is served.
 */
import type { Config } from '@distillgate/config';
import type { MemberState } from './pool/member.ts';
import { UpstreamPool } from './pool/pool.ts';
import { OpenAICompatibleUpstream } from './upstream/openai-compatible.ts';
import type { FetchLike } from './upstream/timed-fetch.ts';

/** A pool member and the model id to ask it for. */
export interface PoolTarget {
  kind: 'pool';
  /** Who served or failed the attempt (`usage_attempts.member`): the upstream's name. */
  member: string;
  upstream: OpenAICompatibleUpstream;
  /** Model id sent upstream. */
  model: string;
  /** Version for `x-distillgate-model: <model>@<version>`. */
  version: string;
  /** The member's pool state: the relay calls `state.begin()` per attempt and reports its outcome. */
  state: MemberState;
}

/** An edge model (config `edge.models`), served in-process; its version comes from its channels.json. */
export interface EdgeTarget {
  kind: 'edge';
  /** `edge:<model>`. */
  member: string;
  /** Edge model id, e.g. `distillgate-student`. */
  model: string;
}

/** One place a request can be sent. */
export type Target = PoolTarget | EdgeTarget;

/** A model id as listed by `GET /v1/models`. */
export interface ListedModel {
  id: string;
  /** `distillgate` for aliases and edge models, else the upstream's name. */
  ownedBy: string;
  /** Set for edge models: the gateway adds their version and status. */
  edge?: true;
}

const edgeTarget = (model: string): EdgeTarget => ({ kind: 'edge', member: `edge:${model}`, model });

export class UpstreamRegistry {
  private readonly upstreams = new Map<string, OpenAICompatibleUpstream>();
  private readonly edgeModels: ReadonlySet<string>;
  /** Per-member state (load, health, breaker, Retry-After) and the balancer of `pool` aliases. */
  readonly pool: UpstreamPool;

  /**
   * @param fetchFor the transport for each member (Node: an undici Agent with its connect timeout;
   *   Workers: global fetch)
   */
  constructor(
    private readonly config: Config,
    fetchFor: (upstream: Config['upstreams'][number]) => FetchLike,
  ) {
    for (const u of config.upstreams) this.upstreams.set(u.name, new OpenAICompatibleUpstream(u, fetchFor(u)));
    this.edgeModels = new Set(config.edge.models);
    this.pool = new UpstreamPool(config.upstreams);
  }

  /** Every upstream: the members active health checks watch (Node only). */
  poolMembers(): string[] {
    return [...this.upstreams.keys()];
  }

  /**
   * Targets for `model`, in the order to try them; undefined when nothing serves it (→ 404
   * model_not_found). Every upstream target obeys its member's state, whatever name the request
   * used: members that are unhealthy, cooling down (breaker open, or a probe in flight) or inside
   * an upstream's Retry-After window are left out (possibly leaving none → 503). A `pool` alias,
   * and a model id that several upstreams serve, are balanced (power of two choices); a `failover`
   * alias keeps its order. A routed alias (`rules`, `cascade`, `learned`) is its edge target, then
   * its upstreams balanced; which of them serves is the routing plan's choice (routing/plan.ts).
   */
  resolve(model: string): Target[] | undefined {
    const alias = this.config.models[model];
    if (alias) {
      const targets = alias.targets.map((t): Target => {
        if ('edge' in t) return edgeTarget(t.edge);
        const upstream = this.upstreams.get(t.upstream) as OpenAICompatibleUpstream; // checked by the config schema
        return this.poolTarget(upstream, t.model ?? (upstream.config.models[0] as string));
      });
      if (alias.policy === 'pool') return this.pool.order(targets);
      // routed policies: the edge student first (the config schema checks it), then the pool, balanced
      if (alias.policy !== 'failover') return [targets[0] as Target, ...this.pool.order(targets.slice(1))];
      return targets.filter((t) => t.kind === 'edge' || t.state.available());
    }
    if (this.edgeModels.has(model)) return [edgeTarget(model)];
    const targets = [...this.upstreams.values()].filter((u) => u.config.models.includes(model)).map((u) => this.poolTarget(u, model));
    return targets.length ? this.pool.order(targets) : undefined;
  }

  /**
   * When the first upstream serving `model` may be called again, for a 503's `Retry-After`
   * (ms from now), or undefined when none is merely waiting out a window.
   */
  retryAfterMs(model: string): number | undefined {
    const alias = this.config.models[model];
    const names = alias
      ? alias.targets.flatMap((t) => ('upstream' in t ? [t.upstream] : []))
      : [...this.upstreams.values()].filter((u) => u.config.models.includes(model)).map((u) => u.name);
    const waits = names.map((n) => this.pool.member(n).msUntilAvailable()).filter((ms): ms is number => ms !== undefined);
    return waits.length ? Math.min(...waits) : undefined;
  }

  /** Every servable model id: aliases, edge models, then upstream models (deduplicated). */
  list(): ListedModel[] {
    const seen = new Set<string>();
    const out: ListedModel[] = [];
    const add = (model: ListedModel) => {
      if (seen.has(model.id)) return;
      seen.add(model.id);
      out.push(model);
    };
    for (const alias of Object.keys(this.config.models)) add({ id: alias, ownedBy: 'distillgate' });
    for (const id of this.edgeModels) add({ id, ownedBy: 'distillgate', edge: true });
    for (const u of this.upstreams.values()) for (const id of u.config.models) add({ id, ownedBy: u.name });
    return out;
  }

  private poolTarget(upstream: OpenAICompatibleUpstream, model: string): PoolTarget {
    return {
      kind: 'pool',
      member: upstream.name,
      upstream,
      model,
      version: upstream.config.version,
      state: this.pool.member(upstream.name),
    };
  }
}

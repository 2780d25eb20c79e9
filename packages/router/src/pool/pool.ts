/**
 * The pool's state, in one place: a {@link MemberState} per upstream (shared by every alias that
 * names it), the balancer that orders a `pool` alias's members, and the active health checker.
 */
import type { UpstreamConfig } from '@distillgate/config';
import { balance } from './balancer.ts';
import { type CheckedMember, HealthChecker, type HealthProbe } from './health-checker.ts';
import { MemberState } from './member.ts';
import type { WaitingScrape } from './waiting-scrape.ts';

export interface PoolOptions {
  /** @default Date.now */
  nowMs?: () => number;
  /** @default Math.random */
  random?: () => number;
}

export class UpstreamPool {
  private readonly members = new Map<string, MemberState>();
  private readonly configs = new Map<string, UpstreamConfig>();
  private checker: HealthChecker | undefined;

  constructor(
    upstreams: readonly UpstreamConfig[],
    private readonly options: PoolOptions = {},
  ) {
    for (const u of upstreams) {
      this.configs.set(u.name, u);
      const { failureThreshold, cooldownMs } = u.health;
      this.members.set(
        u.name,
        new MemberState(u.name, { failureThreshold, cooldownMs, ...(options.nowMs ? { nowMs: options.nowMs } : {}) }),
      );
    }
  }

  /** The state of upstream `name` (every configured upstream has one). */
  member(name: string): MemberState {
    const state = this.members.get(name);
    if (!state) throw new Error(`unknown upstream "${name}"`);
    return state;
  }

  /** `items` (one per member) in the order a `pool` alias tries them; unavailable members left out. */
  order<T extends { member: string }>(items: readonly T[]): T[] {
    const byState = new Map(items.map((item) => [this.member(item.member), item]));
    return balance([...byState.keys()], this.options.random).map((state) => byState.get(state) as T);
  }

  /**
   * Starts active health checks of `names` (Node only). Idempotent; {@link stopHealthChecks} ends them.
   * @param probe @default a GET with global fetch
   * @param scrape reads `vllm:num_requests_waiting` of members with `health.metricsPath` @default a GET with global fetch
   */
  startHealthChecks(names: Iterable<string>, probe?: HealthProbe, scrape?: WaitingScrape): void {
    if (this.checker) return;
    const checked: CheckedMember[] = [];
    for (const name of new Set(names)) {
      const config = this.configs.get(name);
      if (!config) continue;
      const { path, healthCheckMs, timeoutMs, metricsPath } = config.health;
      const origin = new URL(config.baseUrl).origin;
      checked.push({
        state: this.member(name),
        url: `${origin}${path}`,
        healthCheckMs,
        timeoutMs,
        ...(metricsPath ? { metricsUrl: `${origin}${metricsPath}` } : {}),
      });
    }
    this.checker = new HealthChecker(checked, probe, scrape);
    this.checker.start();
  }

  stopHealthChecks(): void {
    this.checker?.stop();
    this.checker = undefined;
  }
}

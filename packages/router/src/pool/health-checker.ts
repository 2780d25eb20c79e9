/**
 * Active health checks (Node only; on Workers there are no background timers, so the pool relies
 * on its passive checks there). Every `healthCheckMs` each member's `<origin><path>` is GETed; a
 * 2xx within `timeoutMs` marks it healthy, anything else unhealthy. A healthy member with a
 * `metricsUrl` also has its `vllm:num_requests_waiting` scraped. Timers are unref'd (they never
 * keep the process alive) and {@link HealthChecker.stop} clears them.
 */
import type { MemberState } from './member.ts';
import { fetchWaiting, type WaitingScrape } from './waiting-scrape.ts';

/** GETs `url`; resolves true on a 2xx within `timeoutMs`, false otherwise (never rejects). */
export type HealthProbe = (url: string, timeoutMs: number) => Promise<boolean>;

export interface CheckedMember {
  state: MemberState;
  /** Full URL of the check, e.g. `http://127.0.0.1:8000/health`. */
  url: string;
  /** @unit ms */
  healthCheckMs: number;
  /** @unit ms */
  timeoutMs: number;
  /** Prometheus endpoint to read `vllm:num_requests_waiting` from, e.g. `http://127.0.0.1:8000/metrics`. */
  metricsUrl?: string;
}

/** The default probe: global fetch with a timeout. */
export const fetchProbe: HealthProbe = async (url, timeoutMs) => {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
};

export class HealthChecker {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private stopped = true;

  constructor(
    private readonly members: readonly CheckedMember[],
    private readonly probe: HealthProbe = fetchProbe,
    private readonly scrape: WaitingScrape = fetchWaiting,
  ) {}

  /** Checks every member now, then every `healthCheckMs` (a check never overlaps the previous one). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const member of this.members) void this.check(member);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async check(member: CheckedMember): Promise<void> {
    if (this.stopped) return;
    const healthy = await this.probe(member.url, member.timeoutMs);
    if (this.stopped) return;
    if (healthy !== member.state.healthy) member.state.setHealthy(healthy);
    if (healthy && member.metricsUrl) member.state.waiting = (await this.scrape(member.metricsUrl, member.timeoutMs)) ?? 0;
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.check(member);
    }, member.healthCheckMs);
    timer.unref?.();
    this.timers.add(timer);
  }
}

/**
 * The gateway's own Prometheus metrics (DESIGN.md §5 "Metrics"), per process (Node) or isolate
 * (Workers), served by `GET /metrics` behind the admin token:
 *
 * - `distillgate_requests_total{route,status}`: every request whose meter ended (the usage row's
 *   route — `edge`, `pool`, `escalated`, or `none` when nothing served it — and status);
 * - `distillgate_ttft_ms` and `distillgate_latency_ms`: histograms, per route, of time to first
 *   token and arrival-to-end, milliseconds;
 * - `distillgate_escalations_total`: cascade drafts the gate discarded;
 * - `distillgate_reserved_micro_usd`: budget reservations held now, where the database holds them
 *   (Node; on Workers the Durable Objects do, and the gauge is left out);
 * - `distillgate_shadow_runs_total{status}` is not here: shadow counts live in `GET /admin/v1/routing`.
 */
import { Histogram, labelValue, metricFamily } from '@distillgate/protocol';

/** Time to first token bounds, ms: the edge answers in ~10 ms here, a GPU pool in ~100 ms–seconds. */
const TTFT_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];
/** Request latency bounds, ms. */
const LATENCY_BUCKETS_MS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000];

/** One ended request, as its meter saw it. */
export interface EndedRequest {
  route: 'edge' | 'pool' | 'escalated' | null;
  status: string;
  /** null when no token was produced. @unit ms */
  ttftMs: number | null;
  /** @unit ms */
  latencyMs: number;
}

export class GatewayMetrics {
  private readonly requests = new Map<string, number>();
  private readonly ttft = new Map<string, Histogram>();
  private readonly latency = new Map<string, Histogram>();
  private escalations = 0;

  /** Counts one ended request and observes its timings. */
  request(r: EndedRequest): void {
    const route = r.route ?? 'none';
    const key = `${route}\u0000${r.status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    histogramFor(this.latency, route, LATENCY_BUCKETS_MS).observe(r.latencyMs);
    if (r.ttftMs !== null) histogramFor(this.ttft, route, TTFT_BUCKETS_MS).observe(r.ttftMs);
  }

  /** A cascade draft was discarded and the request escalated. */
  escalation(): void {
    this.escalations++;
  }

  /**
   * The exposition text.
   * @param reservedMicroUsd the budget reservations held now, or null where unknown (left out)
   */
  render(reservedMicroUsd: number | null): string {
    const requests = [...this.requests.entries()].map(([key, n]) => {
      const [route, status] = key.split('\u0000') as [string, string];
      return `distillgate_requests_total{route="${labelValue(route)}",status="${labelValue(status)}"} ${n}`;
    });
    const histograms = (name: string, byRoute: Map<string, Histogram>) =>
      [...byRoute.entries()].flatMap(([route, h]) => h.lines(name, `route="${labelValue(route)}"`));
    return [
      ...metricFamily('distillgate_requests_total', 'counter', 'Requests ended, by route and usage status.', requests),
      ...metricFamily(
        'distillgate_ttft_ms',
        'histogram',
        'Time to first token, ms, by route.',
        histograms('distillgate_ttft_ms', this.ttft),
      ),
      ...metricFamily(
        'distillgate_latency_ms',
        'histogram',
        'Arrival to end, ms, by route.',
        histograms('distillgate_latency_ms', this.latency),
      ),
      ...metricFamily('distillgate_escalations_total', 'counter', 'Cascade drafts discarded for the pool.', [
        `distillgate_escalations_total ${this.escalations}`,
      ]),
      ...(reservedMicroUsd === null
        ? []
        : metricFamily('distillgate_reserved_micro_usd', 'gauge', 'Budget reservations held by requests in flight, micro-USD.', [
            `distillgate_reserved_micro_usd ${reservedMicroUsd}`,
          ])),
      '',
    ].join('\n');
  }
}

function histogramFor(byRoute: Map<string, Histogram>, route: string, bounds: readonly number[]): Histogram {
  let h = byRoute.get(route);
  if (!h) {
    h = new Histogram(bounds);
    byRoute.set(route, h);
  }
  return h;
}

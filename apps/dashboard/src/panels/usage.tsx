/**
 * Usage and cost: totals, cost and requests over time by route (hour or day buckets), cost by key,
 * by model and by route. Every chart shows the sum of what it draws; each equals the totals.
 */
import { Bar, Doughnut } from 'react-chartjs-2';
import type { ApiKey, StatsGroup, UsageStats } from '../api.ts';
import { colorAt, ROUTE_COLORS } from '../charts.ts';
import { bucketLabel, ROUTE_KEYS, ROUTE_LABELS, seriesByRoute, sum, sumGroups, timeBuckets } from '../stats-view.ts';
import { ChartCard, Figure } from '../ui.tsx';
import { formatCount, formatUsd } from '../units.ts';

const money = { ticks: { callback: (v: string | number) => formatUsd(Number(v)) } };

function groupChart(groups: StatsGroup[], labelOf: (g: StatsGroup) => string, testId: string, title: string) {
  const labels = groups.map(labelOf);
  const data = groups.map((g) => g.cost_micro_usd);
  return (
    <ChartCard
      title={title}
      total={{ label: 'Σ cost', value: formatUsd(sum(data)), raw: sum(data), testId }}
      table={{
        head: ['', 'Requests', 'Tokens', 'Cost'],
        rows: groups.map((g) => [labelOf(g), formatCount(g.requests), formatCount(g.total_tokens), formatUsd(g.cost_micro_usd)]),
      }}
    >
      <Bar
        data={{ labels, datasets: [{ label: 'Cost', data, backgroundColor: labels.map((_, i) => colorAt(i)) }] }}
        options={{ indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: money } }}
      />
    </ChartCard>
  );
}

export function UsagePanel({ stats, keys, nowMs }: { stats: UsageStats; keys: ApiKey[]; nowMs: number }) {
  const t = stats.totals;
  const buckets = timeBuckets(stats, nowMs);
  const labels = buckets.map((b) => bucketLabel(b, stats.bucket));
  const cost = seriesByRoute(stats, buckets, 'cost_micro_usd');
  const requests = seriesByRoute(stats, buckets, 'requests');
  const keyName = new Map(keys.map((k) => [k.id, `${k.name} (${k.prefix}…)`]));
  const byRoute = stats.by_route;
  const routeRequests = (key: string) => byRoute.find((g) => (g.group ?? 'none') === key)?.requests ?? 0;
  const stacked = { x: { stacked: true }, y: { stacked: true } };
  return (
    <section aria-labelledby="usage-title">
      <h2 id="usage-title">Usage and cost</h2>
      <div className="figures">
        <Figure label="Requests" value={formatCount(t.requests)} raw={t.requests} testId="total-requests" />
        <Figure label="Tokens" value={formatCount(t.total_tokens)} raw={t.total_tokens} testId="total-tokens" />
        <Figure label="Customer cost" value={formatUsd(t.cost_micro_usd)} raw={t.cost_micro_usd} testId="total-cost" />
        <Figure
          label="Internal cost"
          value={formatUsd(t.internal_cost_micro_usd)}
          raw={t.internal_cost_micro_usd}
          testId="total-internal-cost"
          hint="student drafts, shadow runs; not charged"
        />
      </div>
      <div className="figures">
        {ROUTE_KEYS.map((k) => (
          <Figure
            key={k}
            label={`${ROUTE_LABELS[k]} requests`}
            value={formatCount(routeRequests(k))}
            raw={routeRequests(k)}
            testId={`route-requests-${k}`}
          />
        ))}
      </div>
      <div className="charts">
        <ChartCard
          title={`Cost per ${stats.bucket}, by route`}
          total={{
            label: 'Σ cost',
            value: formatUsd(sum(ROUTE_KEYS.flatMap((k) => cost[k]))),
            raw: sum(ROUTE_KEYS.flatMap((k) => cost[k])),
            testId: 'chart-cost-time-total',
          }}
          table={{
            head: ['Bucket (UTC)', ...ROUTE_KEYS.map((k) => ROUTE_LABELS[k])],
            rows: labels.map((l, i) => [l, ...ROUTE_KEYS.map((k) => formatUsd(cost[k][i] ?? 0))]),
          }}
        >
          <Bar
            data={{
              labels,
              datasets: ROUTE_KEYS.map((k) => ({ label: ROUTE_LABELS[k], data: cost[k], backgroundColor: ROUTE_COLORS[k] })),
            }}
            options={{ scales: { ...stacked, y: { ...stacked.y, ...money } } }}
          />
        </ChartCard>
        <ChartCard
          title={`Requests per ${stats.bucket}, by route`}
          total={{
            label: 'Σ requests',
            value: formatCount(sum(ROUTE_KEYS.flatMap((k) => requests[k]))),
            raw: sum(ROUTE_KEYS.flatMap((k) => requests[k])),
            testId: 'chart-requests-time-total',
          }}
          table={{
            head: ['Bucket (UTC)', ...ROUTE_KEYS.map((k) => ROUTE_LABELS[k])],
            rows: labels.map((l, i) => [l, ...ROUTE_KEYS.map((k) => requests[k][i] ?? 0)]),
          }}
        >
          <Bar
            data={{
              labels,
              datasets: ROUTE_KEYS.map((k) => ({ label: ROUTE_LABELS[k], data: requests[k], backgroundColor: ROUTE_COLORS[k] })),
            }}
            options={{ scales: stacked }}
          />
        </ChartCard>
        <ChartCard
          title="Cost by route"
          total={{
            label: 'Σ cost',
            value: formatUsd(sumGroups(byRoute, 'cost_micro_usd')),
            raw: sumGroups(byRoute, 'cost_micro_usd'),
            testId: 'chart-cost-route-total',
          }}
          table={{
            head: ['Route', 'Requests', 'Cost'],
            rows: byRoute.map((g) => [
              ROUTE_LABELS[(g.group ?? 'none') as keyof typeof ROUTE_LABELS] ?? g.group ?? '',
              g.requests,
              formatUsd(g.cost_micro_usd),
            ]),
          }}
        >
          <Doughnut
            data={{
              labels: byRoute.map((g) => ROUTE_LABELS[(g.group ?? 'none') as keyof typeof ROUTE_LABELS] ?? String(g.group)),
              datasets: [
                {
                  data: byRoute.map((g) => g.cost_micro_usd),
                  backgroundColor: byRoute.map((g) => ROUTE_COLORS[(g.group ?? 'none') as keyof typeof ROUTE_COLORS] ?? '#888'),
                },
              ],
            }}
          />
        </ChartCard>
        {groupChart(stats.by_key, (g) => (g.group ? (keyName.get(g.group) ?? g.group) : 'no key'), 'chart-cost-key-total', 'Cost by key')}
        {groupChart(stats.by_model, (g) => g.group ?? 'none served', 'chart-cost-model-total', 'Cost by served model')}
      </div>
    </section>
  );
}

/**
 * Savings: what the traffic cost next to what it would have cost served by the teacher alone (at
 * the teacher's configured price), the edge share and escalation rate over time, and internal cost
 * (student drafts, shadow runs) apart from customer cost.
 */
import { Bar, Line } from 'react-chartjs-2';
import type { UsageStats } from '../api.ts';
import { ROUTE_COLORS } from '../charts.ts';
import { bucketLabel, routeShares, savedMicroUsd, seriesTotal, sum, timeBuckets } from '../stats-view.ts';
import { ChartCard, Figure } from '../ui.tsx';
import { formatShare, formatUsd } from '../units.ts';

const money = { ticks: { callback: (v: string | number) => formatUsd(Number(v)) } };

export function SavingsPanel({ stats, nowMs }: { stats: UsageStats; nowMs: number }) {
  const t = stats.totals;
  const buckets = timeBuckets(stats, nowMs);
  const labels = buckets.map((b) => bucketLabel(b, stats.bucket));
  const cost = seriesTotal(stats, buckets, 'cost_micro_usd');
  const teacherOnly = seriesTotal(stats, buckets, 'teacher_only_cost_micro_usd');
  const internal = seriesTotal(stats, buckets, 'internal_cost_micro_usd');
  const { edgeShare, escalationRate } = routeShares(stats, buckets);
  const saved = savedMicroUsd(t);
  const teacher = stats.teacher;
  return (
    <section aria-labelledby="savings-title">
      <h2 id="savings-title">Savings</h2>
      <p className="muted" data-testid="teacher-price">
        {teacher
          ? `Teacher-only: every request priced as ${teacher.model} (${formatUsd(teacher.input_micro_usd_per_mtok)} / 1M prompt tokens, ${formatUsd(teacher.output_micro_usd_per_mtok)} / 1M completion tokens).`
          : 'No upstream model has a price, so there is no teacher-only cost to compare with.'}
      </p>
      <div className="figures">
        <Figure label="Cost" value={formatUsd(t.cost_micro_usd)} raw={t.cost_micro_usd} testId="savings-cost" />
        <Figure
          label="Teacher-only cost"
          value={formatUsd(t.teacher_only_cost_micro_usd)}
          raw={t.teacher_only_cost_micro_usd}
          testId="savings-teacher-only"
        />
        <Figure
          label="Saved (net of internal cost)"
          value={formatUsd(saved)}
          raw={saved}
          testId="savings-saved"
          hint={t.teacher_only_cost_micro_usd > 0 ? `${formatShare(saved / t.teacher_only_cost_micro_usd)} of teacher-only` : undefined}
        />
        <Figure
          label="Internal cost"
          value={formatUsd(t.internal_cost_micro_usd)}
          raw={t.internal_cost_micro_usd}
          testId="savings-internal"
          hint="not charged to customers"
        />
      </div>
      <div className="charts">
        <ChartCard
          title={`Cost vs teacher-only, per ${stats.bucket}`}
          total={{ label: 'Σ teacher-only', value: formatUsd(sum(teacherOnly)), raw: sum(teacherOnly), testId: 'chart-teacher-only-total' }}
          table={{
            head: ['Bucket (UTC)', 'Cost', 'Teacher-only'],
            rows: labels.map((l, i) => [l, formatUsd(cost[i] ?? 0), formatUsd(teacherOnly[i] ?? 0)]),
          }}
        >
          <Line
            data={{
              labels,
              datasets: [
                { label: 'Cost', data: cost, borderColor: ROUTE_COLORS.edge, backgroundColor: ROUTE_COLORS.edge },
                {
                  label: 'Teacher-only',
                  data: teacherOnly,
                  borderColor: ROUTE_COLORS.pool,
                  backgroundColor: ROUTE_COLORS.pool,
                  borderDash: [6, 4],
                },
              ],
            }}
            options={{ scales: { y: { ...money, beginAtZero: true } } }}
          />
        </ChartCard>
        <ChartCard
          title="Edge share and escalation rate"
          table={{
            head: ['Bucket (UTC)', 'Edge share', 'Escalation rate'],
            rows: labels.map((l, i) => [l, formatShare(edgeShare[i] ?? null), formatShare(escalationRate[i] ?? null)]),
          }}
        >
          <Line
            data={{
              labels,
              datasets: [
                {
                  label: 'Edge share',
                  data: edgeShare.map((v) => (v === null ? null : v * 100)),
                  borderColor: ROUTE_COLORS.edge,
                  spanGaps: true,
                },
                {
                  label: 'Escalation rate',
                  data: escalationRate.map((v) => (v === null ? null : v * 100)),
                  borderColor: ROUTE_COLORS.escalated,
                  spanGaps: true,
                },
              ],
            }}
            options={{ scales: { y: { min: 0, max: 100, ticks: { callback: (v: string | number) => `${v} %` } } } }}
          />
        </ChartCard>
        <ChartCard
          title={`Internal cost per ${stats.bucket} (not charged)`}
          total={{ label: 'Σ internal', value: formatUsd(sum(internal)), raw: sum(internal), testId: 'chart-internal-total' }}
          table={{ head: ['Bucket (UTC)', 'Internal cost'], rows: labels.map((l, i) => [l, formatUsd(internal[i] ?? 0)]) }}
        >
          <Bar
            data={{ labels, datasets: [{ label: 'Internal cost', data: internal, backgroundColor: ROUTE_COLORS.none }] }}
            options={{ plugins: { legend: { display: false } }, scales: { y: money } }}
          />
        </ChartCard>
      </div>
    </section>
  );
}

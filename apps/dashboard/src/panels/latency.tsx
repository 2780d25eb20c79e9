/** Latency: p50/p99 of arrival-to-last-byte and of time to first token, per route (nearest rank over `ok` rows). */
import { Bar } from 'react-chartjs-2';
import type { UsageStats } from '../api.ts';
import { ROUTE_LABELS, type RouteKey } from '../stats-view.ts';
import { ChartCard, Empty } from '../ui.tsx';
import { formatCount, formatMs } from '../units.ts';

export function LatencyPanel({ stats }: { stats: UsageStats }) {
  const rows = stats.latency;
  if (rows.length === 0) {
    return (
      <section aria-labelledby="latency-title">
        <h2 id="latency-title">Latency</h2>
        <Empty>No successful requests in this period yet.</Empty>
      </section>
    );
  }
  const labels = rows.map((r) => ROUTE_LABELS[(r.route ?? 'none') as RouteKey]);
  const ms = { ticks: { callback: (v: string | number) => formatMs(Number(v)) } };
  return (
    <section aria-labelledby="latency-title">
      <h2 id="latency-title">Latency</h2>
      <div className="overflow-auto">
        <table className="striped" data-testid="latency-table">
          <thead>
            <tr>
              <th>Route</th>
              <th>Requests</th>
              <th>p50</th>
              <th>p99</th>
              <th>TTFT p50</th>
              <th>TTFT p99</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => {
              const key = r.route ?? 'none';
              return (
                <tr key={key} data-testid={`latency-${key}`}>
                  <td>{labels[i]}</td>
                  <td>{formatCount(r.requests)}</td>
                  <td data-testid={`latency-${key}-p50`} data-value={r.latency_p50_ms ?? ''}>
                    {formatMs(r.latency_p50_ms)}
                  </td>
                  <td data-testid={`latency-${key}-p99`} data-value={r.latency_p99_ms ?? ''}>
                    {formatMs(r.latency_p99_ms)}
                  </td>
                  <td data-testid={`latency-${key}-ttft-p50`} data-value={r.ttft_p50_ms ?? ''}>
                    {formatMs(r.ttft_p50_ms)}
                  </td>
                  <td data-testid={`latency-${key}-ttft-p99`} data-value={r.ttft_p99_ms ?? ''}>
                    {formatMs(r.ttft_p99_ms)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="charts">
        <ChartCard title="Latency (arrival to last byte)">
          <Bar
            data={{
              labels,
              datasets: [
                { label: 'p50', data: rows.map((r) => r.latency_p50_ms), backgroundColor: '#2a9d8f' },
                { label: 'p99', data: rows.map((r) => r.latency_p99_ms), backgroundColor: '#e76f51' },
              ],
            }}
            options={{ scales: { y: ms } }}
          />
        </ChartCard>
        <ChartCard title="Time to first token">
          <Bar
            data={{
              labels,
              datasets: [
                { label: 'p50', data: rows.map((r) => r.ttft_p50_ms), backgroundColor: '#2a9d8f' },
                { label: 'p99', data: rows.map((r) => r.ttft_p99_ms), backgroundColor: '#e76f51' },
              ],
            }}
            options={{ scales: { y: ms } }}
          />
        </ChartCard>
      </div>
    </section>
  );
}

/**
 * Building blocks every panel uses: loading, error and empty states, figure cards and chart cards.
 * Each figure carries a `data-testid` and its exact value in `data-value` (integer micro-USD for
 * money), so tests compare numbers, not formatted text.
 */
import type { ReactNode } from 'react';
import { messageOf } from './api.ts';

export function Loading({ what }: { what: string }) {
  return (
    <article aria-busy="true" data-testid="loading">
      Loading {what}…
    </article>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <article role="alert" className="error-state" data-testid="error-state">
      <strong>Could not load this.</strong> <span>{messageOf(error)}</span>
      {onRetry ? (
        <p>
          <button type="button" className="secondary" onClick={onRetry}>
            Retry
          </button>
        </p>
      ) : null}
    </article>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <article className="empty-state" data-testid="empty-state">
      {children}
    </article>
  );
}

/** One figure: a label, the formatted value, the exact value in `data-value`. */
export function Figure({ label, value, raw, testId, hint }: { label: string; value: string; raw: number; testId: string; hint?: string }) {
  return (
    <article className="figure">
      <small>{label}</small>
      <p className="figure-value" data-testid={testId} data-value={raw}>
        {value}
      </p>
      {hint ? <small className="muted">{hint}</small> : null}
    </article>
  );
}

/** A chart with its title, the sum of what it draws (`data-testid`/`data-value`) and a data table for screen readers and copying. */
export function ChartCard({
  title,
  total,
  children,
  table,
}: {
  title: string;
  total?: { label: string; value: string; raw: number; testId: string };
  children: ReactNode;
  table?: { head: string[]; rows: Array<Array<string | number>> };
}) {
  return (
    <article className="chart-card">
      <header>
        <strong>{title}</strong>
        {total ? (
          <span className="chart-total">
            {total.label}:{' '}
            <span data-testid={total.testId} data-value={total.raw}>
              {total.value}
            </span>
          </span>
        ) : null}
      </header>
      <div className="chart-box">{children}</div>
      {table ? (
        <details>
          <summary>Data</summary>
          <div className="overflow-auto">
            <table className="striped">
              <thead>
                <tr>
                  {table.head.map((h) => (
                    <th key={h}>{h}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {table.rows.map((row) => (
                  <tr key={String(row[0])}>
                    {row.map((cell, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
                      <td key={i}>{cell}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </article>
  );
}

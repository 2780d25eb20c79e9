/**
 * Prometheus text exposition, format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/):
 * a cumulative histogram and the `# HELP` / `# TYPE` framing of one metric family. Shared by the
 * gateway's `/metrics` and the gpu-worker's (DESIGN.md §5 "Metrics"); runtime-agnostic (Workers too).
 */

/** A cumulative histogram over fixed upper bounds (in the unit its metric name says). */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  /** @param bounds ascending upper bounds; `+Inf` is added */
  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) this.counts[i]!++;
  }

  /** The `_bucket`, `_sum`, `_count` lines; buckets are cumulative (each count includes smaller ones). */
  lines(name: string, labels: string): string[] {
    const sep = labels ? ',' : '';
    const out = this.bounds.map((le, i) => `${name}_bucket{${labels}${sep}le="${le}"} ${this.counts[i]}`);
    const braces = labels ? `{${labels}}` : '';
    out.push(
      `${name}_bucket{${labels}${sep}le="+Inf"} ${this.count}`,
      `${name}_sum${braces} ${this.sum}`,
      `${name}_count${braces} ${this.count}`,
    );
    return out;
  }
}

/** One metric family: its HELP and TYPE lines, then its samples. */
export function metricFamily(name: string, type: 'counter' | 'gauge' | 'histogram', help: string, lines: readonly string[]): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines];
}

/** A label value escaped for the text format (backslash, double quote, newline). */
export function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

import { describe, expect, it } from 'vitest';
import { barPanels, escapeXml, formatTick, lineChart, niceTicks } from './svg-chart.ts';
import { expectWellFormedSvg } from './svg-check.ts';

describe('svg-chart', () => {
  it('niceTicks: steps of 1, 2 or 5 × 10^k covering the range (Heckbert 1990)', () => {
    expect(niceTicks(0, 1, 6)).toEqual({ ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], step: 0.2 });
    expect(niceTicks(3.2, 7.9, 6)).toEqual({ ticks: [3, 4, 5, 6, 7, 8], step: 1 });
    expect(niceTicks(0, 4_000_000, 5).step).toBe(1_000_000);
    expect(niceTicks(5, 5).ticks.length).toBeGreaterThan(1); // a flat series still gets an axis
  });

  it('formatTick uses k / M and the decimals the step needs', () => {
    expect(formatTick(2_500_000, 500_000)).toBe('2.5M');
    expect(formatTick(4000, 1000)).toBe('4k');
    expect(formatTick(0.25, 0.05)).toBe('0.25');
    expect(formatTick(120, 20)).toBe('120');
  });

  it('escapes XML text', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });

  it('draws well-formed SVG, skipping non-finite points, and says "no data" when empty', () => {
    const svg = lineChart({
      title: 'loss <test> & more',
      xLabel: 'tokens',
      yLabel: 'nats',
      series: [
        {
          name: 'a',
          points: [
            [0, 8],
            [1000, 6],
            [2000, Number.NaN],
            [3000, 4.5],
          ],
        },
        { name: 'b & c', points: [[500, 7]], markers: true, dashed: true },
      ],
    });
    expectWellFormedSvg(svg);
    expect(svg).toContain('loss &lt;test&gt; &amp; more');
    expect(svg.match(/<path d="M/g)).toHaveLength(2); // the axes and series a (b has one point: a dot)
    expect(svg).toContain('<circle');
    const empty = lineChart({ title: 'empty', xLabel: 'x', yLabel: 'y', series: [] });
    expectWellFormedSvg(empty);
    expect(empty).toContain('no data');
  });

  it('bar panels scale each panel from 0 and mark missing values n/a', () => {
    const svg = barPanels({
      title: 'fp32 vs int8',
      groups: ['fp32', 'int8'],
      panels: [
        { title: 'ppl', values: [120, 121], format: (n) => n.toFixed(1) },
        { title: 'speed', values: [1500, null], format: (n) => n.toFixed(0) },
      ],
    });
    expectWellFormedSvg(svg);
    expect(svg.match(/<rect x=/g)).toHaveLength(3);
    expect(svg).toContain('n/a');
  });
});

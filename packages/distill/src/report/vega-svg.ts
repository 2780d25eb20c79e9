/**
 * Renders a Vega-Lite spec to a static SVG string, headlessly: `vega-lite`'s `compile()` turns it
 * into a Vega spec, and a `vega.View` with the `'none'` renderer lays out the scenegraph and writes
 * it with `toSVG()` (no DOM and no canvas: without the optional `canvas` package Vega estimates text
 * widths). The report's specs carry their data inline, so nothing is loaded.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Looks shared by the report's charts (Vega's default categorical scheme is `tableau10`). */
export const CHART_CONFIG = {
  font: 'sans-serif',
  background: '#ffffff',
  title: { fontSize: 15, anchor: 'start' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e5e5e5' },
  legend: { labelFontSize: 12, labelLimit: 220, title: null },
  range: { category: { scheme: 'tableau10' } },
} as const;

/** Compiles `spec` (with CHART_CONFIG under its own config) and returns the SVG document text. */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...spec.config } } as TopLevelSpec;
  const view = new View(parse(compile(withConfig).spec), { renderer: 'none' });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

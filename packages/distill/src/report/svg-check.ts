/**
 * TEST-ONLY: an XML well-formedness check for the SVG this package writes (no XML parser is
 * installed): one root `<svg>` in the SVG namespace, every tag closed in order, attributes quoted
 * and not repeated, only the predefined or numeric entity references, no bare `<` in text, and no
 * NaN / undefined / Infinity printed anywhere (a sign of missing data reaching the renderer).
 */
import { expect } from 'vitest';

export function expectWellFormedSvg(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  expect(svg).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;|#\d+;|#x[\da-fA-F]+;)/);
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(svg); m; m = tag.exec(svg)) {
    expect(svg.slice(at, m.index), 'text between tags').not.toMatch(/[<>]/);
    at = m.index + m[0].length;
    const [, close, name, attrs = '', selfClose] = m;
    const names = [...attrs.matchAll(/([\w:.-]+)="/g)].map((a) => a[1]);
    expect(new Set(names).size, `attributes of <${name}>`).toBe(names.length);
    if (close) expect(stack.pop(), `</${name}>`).toBe(name);
    else if (!selfClose) stack.push(name!);
    if (stack.length === 0) expect(svg.slice(at).trim(), 'one root element').toBe('');
  }
  expect(svg.slice(at).trim()).toBe('');
  expect(stack).toEqual([]);
}

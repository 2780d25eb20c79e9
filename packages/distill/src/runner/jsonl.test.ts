import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonLines } from './jsonl.ts';

const file = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'jsonl-')), 'records.jsonl');
  writeFileSync(path, content);
  return path;
};
const asRecord = (v: unknown) => {
  if (typeof (v as { n?: unknown })?.n !== 'number') throw new Error('no n');
  return v as { n: number };
};

describe('readJsonLines', () => {
  it('reads whole lines; a missing file is empty', async () => {
    expect(await readJsonLines(file('{"n":1}\n{"n":2}\n'), asRecord)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await readJsonLines('/nonexistent/records.jsonl', asRecord)).toEqual([]);
  });
  it('drops a torn last line (unterminated, unparsable or invalid) and truncates the file to the whole lines', async () => {
    for (const torn of ['{"n":3', '{"n":3}', '{"x":1}\n', '{"n":']) {
      const path = file(`{"n":1}\n{"n":2}\n${torn}`);
      expect(await readJsonLines(path, asRecord)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    }
  });
  it('refuses a bad line before the last: corruption, not a torn write', async () => {
    await expect(readJsonLines(file('{"n":1}\nnot json\n{"n":2}\n'), asRecord)).rejects.toThrow(/records\.jsonl:2/);
  });
});

/**
 * Append-only JSON-lines record files of resumable jobs (DESIGN.md §6: long jobs checkpoint and
 * resume): one record per line, appended as each is done. A job killed mid-write leaves a torn last
 * line; reading drops it (and truncates the file to the whole lines) so appending can go on.
 */
import { readFile, truncate } from 'node:fs/promises';

/**
 * The records of `path` (a missing file: none), each through `parse`.
 * @param parse validates one decoded line; throws on a bad record
 * @throws Error naming file and line for a bad line that is not the last (corruption, not a torn write)
 */
export async function readJsonLines<T>(path: string, parse: (value: unknown) => T): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: T[] = [];
  const total = Buffer.byteLength(text);
  let good = 0; // bytes of whole, valid lines
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const end = good + Buffer.byteLength(line) + 1;
    const last = end > total || lines.slice(i + 1).every((l) => l.trim() === '');
    if (line.trim() === '') {
      good = Math.min(end, total);
      continue;
    }
    try {
      if (end > total) throw new Error('no newline: torn'); // written without its newline
      records.push(parse(JSON.parse(line)));
    } catch (error) {
      if (!last) throw new Error(`${path}:${i + 1}: ${(error as Error).message}`);
      break;
    }
    good = end;
  }
  if (good < total) await truncate(path, good);
  return records;
}

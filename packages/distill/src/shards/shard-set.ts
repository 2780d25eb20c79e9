/**
 * The teacher stage's shard folder and its checkpoint, `index.json`:
 *
 *   {"format": "distillgate-kd-index/1", "shards": [{"name", "source", "first", "count", "sha256",
 *    "padded", "scoringMs"}]}
 *
 * `first`/`count` are the sequence range (of the stage's plan for that source) a shard holds; the
 * shard headers keep exactly the fields distill.py reads, so which sequences are done lives here.
 * A shard counts only once it is listed: the index is rewritten (atomically) after both of a
 * shard's files are in place, and on opening, shard files the index does not list (a crash between
 * the renames and the index write) and temporary files are deleted — their sequences are redone.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../runner/files.ts';
import { type ShardBuilder, type ShardSource, shardName, type TeacherInfo, writeShard } from './shard.ts';

export const INDEX_FORMAT = 'distillgate-kd-index/1';

export interface ShardEntry {
  name: string;
  source: ShardSource;
  /** First sequence (index into the source's plan). */
  first: number;
  count: number;
  sha256: string;
  /** Padded top-k entries (rows with fewer than k alternatives). */
  padded: number;
  /** Wall time spent scoring these sequences. */
  scoringMs: number;
}

const SHARD_FILE = /^shard-(\d{5,})\.(bin|json)$/;

export class ShardSet {
  private constructor(
    readonly dir: string,
    readonly entries: ShardEntry[],
  ) {}

  /** Opens (or starts) the set in `dir`, deleting unlisted shard files and temporaries. */
  static async open(dir: string): Promise<ShardSet> {
    let entries: ShardEntry[] = [];
    try {
      const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { format: string; shards: ShardEntry[] };
      if (index.format !== INDEX_FORMAT) throw new Error(`${dir}/index.json: format ${index.format}, expected ${INDEX_FORMAT}`);
      entries = index.shards;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const listed = new Set(entries.map((e) => e.name));
    for (const file of await readdir(dir).catch(() => [] as string[])) {
      const m = SHARD_FILE.exec(file);
      const orphan = m !== null && !listed.has(`shard-${m[1]}`);
      if (orphan || (file.startsWith('.') && file.endsWith('.tmp'))) await rm(join(dir, file), { force: true });
    }
    return new ShardSet(dir, entries);
  }

  /** Sequences of `source` already in shards. */
  doneCount(source: ShardSource): number {
    return this.entries.filter((e) => e.source === source).reduce((sum, e) => sum + e.count, 0);
  }

  /** The ranges [start, end) of [0, total) that no shard of `source` holds, in order. */
  gaps(source: ShardSource, total: number): Array<[number, number]> {
    const ranges = this.entries
      .filter((e) => e.source === source)
      .map((e) => [e.first, e.first + e.count] as [number, number])
      .sort((a, b) => a[0] - b[0]);
    const gaps: Array<[number, number]> = [];
    let at = 0;
    for (const [start, end] of ranges) {
      if (start > at) gaps.push([at, Math.min(start, total)]);
      at = Math.max(at, end);
    }
    if (at < total) gaps.push([at, total]);
    return gaps.filter(([a, b]) => b > a);
  }

  /** Writes slots [0, count) of `builder` as the next shard and records it. */
  async add(
    builder: ShardBuilder,
    count: number,
    meta: { source: ShardSource; first: number; teacher: TeacherInfo; scoringMs: number },
  ): Promise<ShardEntry> {
    const next = this.entries.reduce((max, e) => Math.max(max, Number(e.name.slice('shard-'.length)) + 1), 0);
    const name = shardName(next);
    const header = await writeShard(this.dir, name, builder, count, { source: meta.source, teacher: meta.teacher });
    const entry: ShardEntry = {
      name,
      source: meta.source,
      first: meta.first,
      count,
      sha256: header.sha256,
      padded: builder.padded(count),
      scoringMs: meta.scoringMs,
    };
    this.entries.push(entry);
    await writeJsonAtomic(join(this.dir, 'index.json'), { format: INDEX_FORMAT, shards: this.entries });
    return entry;
  }
}

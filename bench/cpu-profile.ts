/**
 * Reads the V8 `.cpuprofile`s written by `node --cpu-prof` and lists where the CPU time went: the
 * functions with the most self time (`function file:line`) and self time per owner (our
 * packages, each dependency, Node internals), for `bench/gateway.ts --cpu-prof`.
 *
 * tsx hands V8 whitespace-minified TypeScript, so profile line numbers inside our `.ts` files are
 * meaningless; for those the line is found by searching the source for the function's definition
 * and printed as `~line` (anonymous functions keep `:?`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** Time since the previous sample. @unit µs */
  timeDeltas: number[];
}

export interface Hotspot {
  /** Self time. @unit ms */
  selfMs: number;
  /** Share of the busy (non-idle) time. */
  share: number;
  name: string;
  /** `path:line` (1-based), relative to the repo root when inside it. */
  where: string;
}

export interface ProfileSummary {
  hotspots: Hotspot[];
  /** Self time per owner: `ours:<path>`, `dep:<package>`, `node:<module>` or a V8 pseudo-frame. */
  owners: Array<{ owner: string; selfMs: number; share: number }>;
  /** @unit ms */
  totalMs: number;
  /** @unit ms */
  idleMs: number;
}

const definitionLines = new Map<string, string[]>();

/** 1-based line of `name`'s definition in a TS source file, or undefined. */
function findDefinition(file: string, name: string): number | undefined {
  if (!/^[\w$]+$/.test(name)) return undefined;
  let lines = definitionLines.get(file);
  if (!lines) {
    lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
    definitionLines.set(file, lines);
  }
  const def = new RegExp(
    [
      `\\bfunction\\*?\\s+${name}\\b`,
      `\\bclass\\s+${name}\\b`,
      `^\\s*(?:(?:static|private|public|async)\\s+)*\\*?${name}\\s*[(<]`, // a method
      `\\b${name}\\s*[:=]\\s*(?:async\\s*)?(?:\\(|function)`,
    ].join('|'),
  );
  const index = lines.findIndex((line) => def.test(line));
  return index === -1 ? undefined : index + 1;
}

function locate(url: string, name: string, lineNumber: number, root: string): { where: string; owner: string } {
  const path = url.startsWith('file://') ? url.slice(7) : url;
  if (!path) return { where: '(native)', owner: name };
  const rel = path.startsWith(root) ? relative(root, path) : path;
  const dep = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel);
  const owner = dep ? `dep:${dep[1]}` : rel.startsWith('node:') ? `node:${rel.slice(5).split('/').slice(0, 3).join('/')}` : `ours:${rel}`;
  if (!dep && rel.endsWith('.ts')) {
    const line = findDefinition(path, name);
    return { where: `${rel}:${line === undefined ? '?' : `~${line}`}`, owner };
  }
  return { where: `${rel}:${lineNumber + 1}`, owner };
}

/**
 * Merges every `.cpuprofile` in `dir` (the main thread and the module-loader thread each write one).
 * @param skipMs samples in the first `skipMs` of each profile are left out (process start-up)
 */
export function summarizeProfiles(dir: string, root: string, skipMs = 0, limit = 15): ProfileSummary {
  const byFunction = new Map<string, { us: number; name: string; where: string }>();
  const byOwner = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    let elapsedUs = 0;
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      elapsedUs += us;
      const frame = byId.get(id);
      if (elapsedUs < skipMs * 1000 || !frame) return;
      totalUs += us;
      if (frame.functionName === '(idle)') {
        idleUs += us;
        return;
      }
      const name = frame.functionName || '(anonymous)';
      const { where, owner } = locate(frame.url, name, frame.lineNumber, root);
      const key = `${name} ${where}`;
      const entry = byFunction.get(key) ?? { us: 0, name, where };
      entry.us += us;
      byFunction.set(key, entry);
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
    });
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  return {
    hotspots: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, limit)
      .map((e) => ({ selfMs: e.us / 1000, share: e.us / busyUs, name: e.name, where: e.where })),
    owners: [...byOwner.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([owner, us]) => ({ owner, selfMs: us / 1000, share: us / busyUs })),
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
  };
}

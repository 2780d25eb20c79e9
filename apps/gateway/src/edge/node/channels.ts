/**
 * Which versions of an edge model serve, read from `<modelsDir>/<model>/channels.json`
 * (`{"live": "<version>", "canary": {"version": "<version>", "share": 0..1} | null}`, DESIGN.md §3)
 * and each version's `manifest.json`. `refresh()` stats channels.json and re-reads only when its
 * mtime, size or inode changed, so it is cheap enough to call every second. A canary whose entry or
 * manifest is malformed is dropped (`canaryProblem` says why) and `live` serves everything.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifest } from '@distillgate/edge-model/manifest';

/** What channels.json and the live manifest say now. */
export type ChannelState =
  | {
      ok: true;
      /** Folder name under the model's directory (channels.json `live`). */
      live: string;
      /** `models/<model>/<live>/`. */
      dir: string;
      /** manifest.json `version` (reported in headers and /v1/models). */
      version: string;
      contextLength: number;
      /** The canary version and the share of requests it gets (0 < share ≤ 1), or null. */
      canary: CanaryState | null;
      /** Why a canary named in channels.json is not used. */
      canaryProblem?: string;
    }
  | {
      ok: false;
      problem: string;
      /** Not read yet (the first refresh is still running): not a problem to report. */
      unread?: true;
    };

/** A canary version, read like the live one. */
export interface CanaryState {
  folder: string;
  dir: string;
  version: string;
  contextLength: number;
  /** Share of the model's requests sent to it, 0 < share ≤ 1. */
  share: number;
}

/** A version folder name channels.json may name (no path tricks). */
const isFolder = (v: unknown): v is string =>
  typeof v === 'string' && v !== '' && !v.includes('/') && !v.includes('\\') && !v.startsWith('.');

export class LiveChannel {
  private signature: string | null = null;
  state: ChannelState;

  constructor(
    private readonly modelsDir: string,
    private readonly model: string,
  ) {
    this.state = { ok: false, problem: 'channels.json not read yet', unread: true };
  }

  private get channelsPath(): string {
    return join(this.modelsDir, this.model, 'channels.json');
  }

  /** Re-reads when channels.json changed. @returns whether the state may have changed */
  async refresh(): Promise<boolean> {
    let signature: string;
    try {
      const st = await stat(this.channelsPath);
      signature = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch (err) {
      signature = `missing:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
    }
    if (signature === this.signature) return false;
    this.signature = signature;
    this.state = await this.read();
    return true;
  }

  private async read(): Promise<ChannelState> {
    let channels: { live?: unknown; canary?: unknown };
    try {
      channels = JSON.parse(await readFile(this.channelsPath, 'utf8')) as { live?: unknown; canary?: unknown };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return {
        ok: false,
        problem: code === 'ENOENT' ? `${this.channelsPath} not found` : `${this.channelsPath}: ${(err as Error).message}`,
      };
    }
    const live = channels?.live;
    if (!isFolder(live)) return { ok: false, problem: `${this.channelsPath}: 'live' must name a version folder` };
    const dir = join(this.modelsDir, this.model, live);
    let manifest: { version: string; context_length: number };
    try {
      manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
    } catch (err) {
      return { ok: false, problem: `${join(dir, 'manifest.json')}: ${(err as Error).message}` };
    }
    const canary = await this.readCanary(channels.canary, live);
    return {
      ok: true,
      live,
      dir,
      version: manifest.version,
      contextLength: manifest.context_length,
      canary: 'problem' in canary ? null : canary.state,
      ...('problem' in canary ? { canaryProblem: canary.problem } : {}),
    };
  }

  /** channels.json `canary`: null/absent → none; else `{version, share}` naming a readable version. */
  private async readCanary(entry: unknown, live: string): Promise<{ state: CanaryState | null } | { problem: string }> {
    if (entry === null || entry === undefined) return { state: null };
    const { version: folder, share } = (typeof entry === 'object' ? entry : {}) as { version?: unknown; share?: unknown };
    if (!isFolder(folder)) return { problem: `${this.channelsPath}: 'canary.version' must name a version folder` };
    if (typeof share !== 'number' || !(share >= 0 && share <= 1))
      return { problem: `${this.channelsPath}: 'canary.share' must be a number in 0..1` };
    if (share === 0 || folder === live) return { state: null };
    const dir = join(this.modelsDir, this.model, folder);
    try {
      const manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
      return { state: { folder, dir, version: manifest.version, contextLength: manifest.context_length, share } };
    } catch (err) {
      return { problem: `${join(dir, 'manifest.json')}: ${(err as Error).message}` };
    }
  }
}

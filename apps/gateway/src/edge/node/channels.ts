/**
 * Which version of an edge model is live, read from `<modelsDir>/<model>/channels.json`
 * (`{"live": "<version>", "canary": …}`, DESIGN.md §3) and that version's `manifest.json`.
 * `refresh()` stats channels.json and re-reads only when its mtime, size or inode changed, so it is
 * cheap enough to call every second. Only `live` is served; canary routing is not built yet.
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
    }
  | {
      ok: false;
      problem: string;
      /** Not read yet (the first refresh is still running): not a problem to report. */
      unread?: true;
    };

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
    let live: unknown;
    try {
      live = (JSON.parse(await readFile(this.channelsPath, 'utf8')) as { live?: unknown }).live;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return {
        ok: false,
        problem: code === 'ENOENT' ? `${this.channelsPath} not found` : `${this.channelsPath}: ${(err as Error).message}`,
      };
    }
    if (typeof live !== 'string' || live === '' || live.includes('/') || live.startsWith('.')) {
      return { ok: false, problem: `${this.channelsPath}: 'live' must name a version folder` };
    }
    const dir = join(this.modelsDir, this.model, live);
    try {
      const manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
      return { ok: true, live, dir, version: manifest.version, contextLength: manifest.context_length };
    } catch (err) {
      return { ok: false, problem: `${join(dir, 'manifest.json')}: ${(err as Error).message}` };
    }
  }
}

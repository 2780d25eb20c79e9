/**
 * Progress: a one-line bar redrawn in place on a TTY (stderr), and JSON-line events for logs.
 * No progress-bar library is installed in this workspace, so this is a minimal one: label, bar,
 * percent, done/total, rate and ETA, redrawn at most 10×/s. Off a TTY (CI, `| tee`) nothing is
 * drawn; the owner logs `*.progress` events instead (`every`).
 */
export interface Progress {
  /** Sets the absolute count done (and optional extra text after the numbers). */
  update(done: number, note?: string): void;
  /** Adds `n` to the count done. */
  tick(n?: number, note?: string): void;
  /** Draws the final state and moves to a new line. */
  finish(note?: string): void;
  readonly done: number;
  readonly total: number;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** What is counted ("seq", "step"). */
  unit?: string;
  /** Done before this stretch (a resumed stage): shown, but not counted in the rate. @default 0 */
  initial?: number;
  stream?: NodeJS.WriteStream;
  /** Called with the state at most every `everyMs` (for JSON progress logs). @default off */
  every?: { ms: number; call: (done: number, total: number, ratePerS: number) => void };
}

const BAR_WIDTH = 24;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The text of one progress line (exported for tests). */
export function progressLine(label: string, done: number, total: number, unit: string, ratePerS: number, note = ''): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  const eta = ratePerS > 0 ? formatDuration((total - done) / ratePerS) : '?';
  const rate = ratePerS > 0 ? ` ${ratePerS.toFixed(ratePerS < 10 ? 2 : 0)} ${unit}/s` : '';
  return `${label} ${bar} ${(frac * 100).toFixed(1).padStart(5)}% ${done}/${total} ${unit}${rate} eta ${eta}${note ? `  ${note}` : ''}`;
}

/** The bar being drawn now (one at a time): printLine clears it, prints, and redraws it. */
let active: { stream: NodeJS.WriteStream; redraw: () => void } | null = null;

/** Writes one line (to stdout by default) without tearing a progress bar drawn on the same terminal. */
export function printLine(text: string, to: NodeJS.WritableStream = process.stdout): void {
  if (active) active.stream.write('\r\x1b[K');
  to.write(`${text}\n`);
  active?.redraw();
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const unit = opts.unit ?? 'items';
  const started = Date.now();
  const startDone = opts.initial ?? 0;
  let done = startDone;
  let lastDraw = 0;
  let lastEvery = started;
  let note = '';
  const rate = () => {
    const s = (Date.now() - started) / 1000;
    return s > 0 ? (done - startDone) / s : 0;
  };
  const render = () => {
    lastDraw = Date.now();
    const line = progressLine(opts.label, done, opts.total, unit, rate(), note);
    stream.write(`\r${line.slice(0, Math.max(20, (stream.columns ?? 120) - 1))}\x1b[K`);
  };
  const draw = (force: boolean) => {
    const now = Date.now();
    if (opts.every && now - lastEvery >= opts.every.ms) {
      lastEvery = now;
      opts.every.call(done, opts.total, rate());
    }
    if (!tty || (!force && now - lastDraw < 100)) return;
    active = { stream, redraw: render };
    render();
  };
  return {
    get done() {
      return done;
    },
    total: opts.total,
    update(n, text) {
      done = n;
      if (text !== undefined) note = text;
      draw(false);
    },
    tick(n = 1, text) {
      this.update(done + n, text);
    },
    finish(text) {
      if (text !== undefined) note = text;
      draw(true);
      if (tty) stream.write('\n');
      if (active?.stream === stream) active = null;
    },
  };
}

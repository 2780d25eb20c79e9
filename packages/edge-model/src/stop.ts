/**
 * Stop sequences matched on decoded text while streaming (OpenAI `stop`): a stop may span several
 * tokens; the text up to, not including, the earliest stop is emitted and generation ends.
 *
 * While streaming, only the longest suffix of the unreleased text that is a proper prefix of some
 * stop is held back; everything before it is released at once. Why that is enough: if a stop began
 * inside released text, the text from that start to the end would have been a prefix of the stop at
 * release time and so would have been held. Empty strings are ignored (`stop: [""]` = no stops).
 */

export interface StopResult {
  /** Text released by this push (may be ''). */
  text: string;
  /** A stop sequence completed: emit `text`, then end the generation. */
  stopped: boolean;
  /** Which stop sequence matched, when `stopped`. */
  matched?: string;
}

export class StopMatcher {
  private readonly stops: string[];
  private held = '';

  /** @param stops stop sequences; '' entries and duplicates are dropped */
  constructor(stops: readonly string[] = []) {
    this.stops = [...new Set(stops.filter((s) => s.length > 0))];
  }

  /** Text held back because it could still begin a stop. */
  get pending(): string {
    return this.held;
  }

  /** Feeds newly decoded text; returns what may be released now. */
  push(text: string): StopResult {
    const buffer = this.held + text;
    if (this.stops.length === 0) return { text: buffer, stopped: false };
    let at = -1;
    let matched: string | undefined;
    for (const stop of this.stops) {
      const i = buffer.indexOf(stop);
      if (i !== -1 && (at === -1 || i < at)) {
        at = i;
        matched = stop;
      }
    }
    if (matched !== undefined) {
      this.held = '';
      return { text: buffer.slice(0, at), stopped: true, matched };
    }
    const hold = this.partialMatchLength(buffer);
    this.held = buffer.slice(buffer.length - hold);
    return { text: buffer.slice(0, buffer.length - hold), stopped: false };
  }

  /** At the end of generation (no stop matched): releases whatever was held back. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }

  /** Longest L such that buffer's last L chars equal the first L chars of some stop (L < stop length). */
  private partialMatchLength(buffer: string): number {
    let best = 0;
    for (const stop of this.stops) {
      for (let L = Math.min(stop.length - 1, buffer.length); L > best; L--) {
        if (buffer.endsWith(stop.slice(0, L))) {
          best = L;
          break;
        }
      }
    }
    return best;
  }
}

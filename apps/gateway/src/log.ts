/** JSON-lines logger (DESIGN.md §6 "Logs"): one object per line, level and time first. */
import type { Logger } from '@distillgate/router';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * @param write where lines go (default: stdout for debug/info, stderr for warn/error)
 * @param minLevel lines below this level are dropped. @default "info"
 */
export function createJsonLogger(minLevel: Level = 'info', write?: (line: string, level: Level) => void): Logger {
  const sink = write ?? ((line: string, level: Level) => (RANK[level] >= RANK.warn ? console.error(line) : console.log(line)));
  const emit = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < RANK[minLevel]) return;
    sink(JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields }), level);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** `/v1/chat/completions?key=abc` → `/v1/chat/completions?[redacted]`: query strings may carry secrets. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?[redacted]`;
}

/**
 * Node's log sink: lines are batched and written once per event-loop turn. Writes to a pipe are
 * synchronous on Linux, and one `console.log` per request cost ~80 µs on the request path
 * (bench/gateway.ts profile); a batch costs one write. Flushed on exit.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';

export function batchedStdioSink(): (line: string, level: Level) => void {
  let out: string[] = [];
  let err: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (out.length) process.stdout.write(`${out.join('\n')}\n`);
    if (err.length) process.stderr.write(`${err.join('\n')}\n`);
    out = [];
    err = [];
  };
  process.once('exit', flush);
  return (line, level) => {
    (level === 'warn' || level === 'error' ? err : out).push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

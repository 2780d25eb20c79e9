import { describe, expect, it } from 'vitest';
import { classifyThrown, httpFailure, protocolFailure, UpstreamFailureError, UpstreamTimeoutError } from './failure.ts';

describe('httpFailure: which statuses let the next member be tried', () => {
  const table: Array<[status: number, retryable: boolean]> = [
    [400, false], // the request's own fault
    [401, true], // our credential for this member
    [402, false],
    [403, true],
    [404, true], // member does not serve the model
    [408, true],
    [409, true],
    [410, false],
    [413, false],
    [415, false],
    [422, false],
    [429, true],
    [500, true],
    [501, true], // any 5xx
    [502, true],
    [503, true],
    [504, true],
    [505, true],
    [529, true],
  ];
  it.each(table)('HTTP %i → retryable %s', (status, retryable) => {
    const failure = httpFailure(status, undefined);
    expect(failure).toEqual({ kind: 'http', status, retryable, message: `upstream answered HTTP ${status}` });
  });

  it('carries Retry-After and the upstream error object, and names its message', () => {
    const upstreamError = { message: 'slow down', type: 'rate_limit', code: 'rate_limit_exceeded' };
    expect(httpFailure(429, upstreamError, 1500)).toEqual({
      kind: 'http',
      status: 429,
      retryable: true,
      retryAfterMs: 1500,
      message: 'upstream answered HTTP 429: slow down',
      upstreamError,
    });
  });
});

describe('protocolFailure', () => {
  it('is retryable and keeps the upstream error', () => {
    expect(protocolFailure('bad json')).toEqual({ kind: 'protocol', retryable: true, message: 'bad json' });
    expect(protocolFailure('in-band', { message: 'x' }).upstreamError).toEqual({ message: 'x' });
  });
});

describe('classifyThrown', () => {
  it('returns the failure an UpstreamFailureError carries, even after a client abort', () => {
    const failure = protocolFailure('cut');
    const aborted = AbortSignal.abort();
    expect(classifyThrown(new UpstreamFailureError(failure), aborted)).toBe(failure);
  });

  it('a fired client signal makes anything else `aborted`, not retryable', () => {
    const signal = AbortSignal.abort();
    const expected = { kind: 'aborted', retryable: false, message: 'client closed the connection' };
    expect(classifyThrown(new TypeError('fetch failed'), signal)).toEqual(expected);
    expect(classifyThrown(new UpstreamTimeoutError('idle', 5), signal)).toEqual(expected);
  });

  it('a timeout, directly or in the cause chain, keeps its phase', () => {
    const idle = new UpstreamTimeoutError('idle', 250);
    expect(classifyThrown(idle)).toEqual({
      kind: 'timeout',
      phase: 'idle',
      retryable: true,
      message: 'upstream idle timeout after 250 ms',
    });
    const wrapped = new TypeError('fetch failed', { cause: new Error('x', { cause: new UpstreamTimeoutError('first_byte', 100) }) });
    expect(classifyThrown(wrapped)).toMatchObject({
      kind: 'timeout',
      phase: 'first_byte',
      message: 'upstream first byte timeout after 100 ms',
    });
    expect(classifyThrown(wrapped, new AbortController().signal)).toMatchObject({ kind: 'timeout' });
  });

  it("undici's connect timeout is a connect-phase timeout", () => {
    const err = new TypeError('fetch failed', {
      cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
    });
    expect(classifyThrown(err)).toEqual({ kind: 'timeout', phase: 'connect', retryable: true, message: 'upstream connect timeout' });
  });

  it('anything else is a retryable connect failure naming the cause code or message', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    expect(classifyThrown(refused)).toEqual({ kind: 'connect', retryable: true, message: 'upstream connection failed: ECONNREFUSED' });
    expect(classifyThrown(new Error('socket hang up'))).toMatchObject({
      kind: 'connect',
      message: 'upstream connection failed: socket hang up',
    });
    expect(classifyThrown('weird')).toMatchObject({ kind: 'connect', message: 'upstream connection failed: weird' });
    expect(classifyThrown(undefined)).toMatchObject({ kind: 'connect', retryable: true });
  });
});

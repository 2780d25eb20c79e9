import { describe, expect, it } from 'vitest';
import { loadOpenApiValidator } from '../../../tests/support/openapi.ts';
import { type ErrorCode, type ErrorType, errorResponse, errors, GatewayError } from './errors.ts';

type Row = [name: string, err: GatewayError, status: number, type: ErrorType, code: ErrorCode, param: string | null];

/** DESIGN.md §5's error table, one row per factory. */
const table: Row[] = [
  ['invalidValue', errors.invalidValue('temperature', 'bad'), 400, 'invalid_request_error', 'invalid_value', 'temperature'],
  ['missingParameter', errors.missingParameter('messages'), 400, 'invalid_request_error', 'missing_required_parameter', 'messages'],
  ['invalidJson', errors.invalidJson('Unexpected end of JSON input'), 400, 'invalid_request_error', 'invalid_json', null],
  ['contextLengthExceeded', errors.contextLengthExceeded('too long'), 400, 'invalid_request_error', 'context_length_exceeded', 'messages'],
  ['idempotencyKeyReused', errors.idempotencyKeyReused(), 400, 'invalid_request_error', 'idempotency_key_reused', null],
  ['invalidApiKey', errors.invalidApiKey(), 401, 'invalid_request_error', 'invalid_api_key', null],
  ['modelNotAllowed', errors.modelNotAllowed('distillgate-teacher'), 403, 'invalid_request_error', 'model_not_allowed', 'model'],
  ['modelNotFound', errors.modelNotFound('gpt-9'), 404, 'invalid_request_error', 'model_not_found', 'model'],
  ['idempotencyKeyInFlight', errors.idempotencyKeyInFlight(), 409, 'invalid_request_error', 'idempotency_key_in_flight', null],
  ['requestTooLarge', errors.requestTooLarge(1_048_576), 413, 'invalid_request_error', 'request_too_large', null],
  ['unsupportedMediaType', errors.unsupportedMediaType('text/plain'), 415, 'invalid_request_error', 'unsupported_media_type', null],
  ['rateLimited requests', errors.rateLimited('requests', 1.2), 429, 'requests', 'rate_limit_exceeded', null],
  ['rateLimited tokens', errors.rateLimited('tokens', 30), 429, 'tokens', 'rate_limit_exceeded', null],
  ['insufficientQuota', errors.insufficientQuota('budget spent'), 429, 'insufficient_quota', 'insufficient_quota', null],
  ['edgeOverloaded', errors.edgeOverloaded(2), 429, 'server_error', 'edge_overloaded', null],
  ['upstreamError', errors.upstreamError('all members failed'), 502, 'server_error', 'upstream_error', null],
  ['upstreamError 503', errors.upstreamError('pool empty', 503), 503, 'server_error', 'upstream_error', null],
  ['upstreamTimeout', errors.upstreamTimeout('no answer in 30000 ms'), 504, 'server_error', 'upstream_timeout', null],
  ['modelUnavailable', errors.modelUnavailable('distillgate-teacher'), 503, 'server_error', 'model_unavailable', 'model'],
  ['streamTruncated', errors.streamTruncated('upstream closed mid-stream'), 502, 'server_error', 'stream_truncated', null],
];

describe('errors', () => {
  it.each(table)('%s → %i %s %s', (_name, err, status, type, code, param) => {
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toBeInstanceOf(Error);
    expect({ status: err.status, type: err.type, code: err.code, param: err.param }).toEqual({ status, type, code, param });
    expect(err.toBody()).toEqual({ error: { message: err.message, type, param, code } });
    expect(err.message.length).toBeGreaterThan(0);
  });

  it('sets Retry-After where the table says so, in whole seconds rounded up', () => {
    expect(errors.idempotencyKeyInFlight().headers).toEqual({ 'retry-after': '1' });
    expect(errors.edgeOverloaded(0.2).headers).toEqual({ 'retry-after': '1' });
    expect(errors.rateLimited('requests', 1.2).headers['retry-after']).toBe('2');
    const limits = { 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s' };
    expect(errors.rateLimited('requests', 1, limits).headers).toEqual({ ...limits, 'retry-after': '1' });
    expect(errors.invalidApiKey().headers).toEqual({});
  });

  it('mentions the limit and the content type it was given', () => {
    expect(errors.requestTooLarge(1024).message).toContain('1024 bytes');
    expect(errors.unsupportedMediaType('text/plain').message).toContain("'text/plain'");
    expect(errors.unsupportedMediaType(null).message).toContain('(none)');
  });

  it('keeps a cause and defaults param and headers', () => {
    const cause = new Error('socket hang up');
    const err = new GatewayError({ status: 502, type: 'server_error', code: 'upstream_error', message: 'x', cause });
    expect(err.cause).toBe(cause);
    expect(err.param).toBeNull();
    expect(err.headers).toEqual({});
    expect(err.name).toBe('GatewayError');
  });

  it('errorResponse: status, JSON body, content-type and the error headers', async () => {
    const res = errorResponse(errors.rateLimited('tokens', 3, { 'x-ratelimit-remaining-tokens': '0' }));
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(await res.json()).toEqual({
      error: { message: expect.any(String), type: 'tokens', param: null, code: 'rate_limit_exceeded' },
    });
  });

  const validator = loadOpenApiValidator();
  it.skipIf(!validator)('every error body matches the spec ErrorResponse (spec absent: skipped)', async () => {
    for (const [, err] of table) {
      validator?.assert('ErrorResponse', err.toBody());
      validator?.assert('ErrorResponse', await errorResponse(err).json());
    }
    expect(validator?.validate('ErrorResponse', { error: { message: 'm', type: 't', param: null } }).ok).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { parseRetryAfter, resultFromHttpStatus, resultFromNetworkError } from '../../../shared/consumer/http.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['0', 0],
    ['3', 3_000],
    [' 120 ', 120_000],
    ['Wed, 01 Jan 2025 00:00:10 GMT', 10_000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0],
  ])('%j → %d ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });
  it.each([null, undefined, '', '1.5', '-1', 'soon'])('%j → undefined (the backoff applies)', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });
});

describe('resultFromHttpStatus', () => {
  it.each([200, 202, 204])('%d is success', (s) => expect(resultFromHttpStatus(s, null, '')).toEqual({ status: 'success' }));
  it.each([408, 429, 500, 502, 503, 504])('%d is retryable', (s) => expect(resultFromHttpStatus(s, null, 'x').status).toBe('retryable'));
  it('carries Retry-After on a retryable answer', () => {
    expect(resultFromHttpStatus(503, '7', '')).toMatchObject({ status: 'retryable', retryAfterMs: 7_000 });
  });
  it.each([400, 401, 403, 404, 413, 422])('%d is a failure with reason http_<status> and the body in the message', (s) => {
    const r = resultFromHttpStatus(s, null, 'why it failed');
    expect(r).toMatchObject({ status: 'failure', reason: `http_${s}` });
    expect(r.status === 'failure' && r.error.message).toBe(`receiver answered HTTP ${s}: why it failed`);
  });
  it('truncates a huge error body', () => {
    const r = resultFromHttpStatus(400, null, 'x'.repeat(5_000));
    expect(r.status === 'failure' && r.error.message.length).toBeLessThan(1_100);
  });
});

describe('resultFromNetworkError', () => {
  it('is retryable and names the cause', () => {
    const err = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    const r = resultFromNetworkError(err);
    expect(r.status).toBe('retryable');
    expect(r.status === 'retryable' && r.error.message).toBe('request failed (TypeError: fetch failed: connect ECONNREFUSED 127.0.0.1:1)');
  });
});

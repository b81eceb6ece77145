/** What Datadog's answers mean: 202 alone is success; rate limits are waited out; 4xx are counted failures with Datadog's message. */
import { describe, expect, it } from 'vitest';
import { classifyDatadogResponse } from '../../../functions/consumers/datadog/client.ts';

const headers = (h: Record<string, string>) => (name: string) => h[name] ?? null;

describe('classifyDatadogResponse', () => {
  it('202 is the only success; another 2xx (a proxy, a wrong DD_URL) is retryable', () => {
    expect(classifyDatadogResponse(202, headers({}), '{"errors":[]}')).toEqual({ status: 'success' });
    expect(classifyDatadogResponse(200, headers({}), 'ok').status).toBe('retryable');
    expect(classifyDatadogResponse(204, headers({}), '').status).toBe('retryable');
  });

  it('429 waits X-RateLimit-Reset seconds, else Retry-After', () => {
    expect(classifyDatadogResponse(429, headers({ 'x-ratelimit-reset': '7', 'retry-after': '1' }), '')).toMatchObject({ status: 'retryable', retryAfterMs: 7000 });
    expect(classifyDatadogResponse(429, headers({ 'retry-after': '2' }), '')).toMatchObject({ status: 'retryable', retryAfterMs: 2000 });
    expect(classifyDatadogResponse(429, headers({ 'x-ratelimit-reset': 'soon' }), '')).toEqual({ status: 'retryable', error: expect.any(Error) });
  });

  it('408 and 5xx are retryable', () => {
    for (const s of [408, 500, 502, 503]) expect(classifyDatadogResponse(s, headers({}), '').status).toBe('retryable');
  });

  it('400, 403 and 413 are counted failures carrying Datadog\'s message', () => {
    const bad = classifyDatadogResponse(400, headers({}), '{"errors":["Payload is not in the expected format"]}');
    expect(bad).toMatchObject({ status: 'failure', reason: 'datadog_rejected' });
    expect(bad.status === 'failure' && bad.error.message).toContain('Payload is not in the expected format');
    expect(classifyDatadogResponse(403, headers({}), '{"errors":["Forbidden"]}')).toMatchObject({ status: 'failure', reason: 'datadog_forbidden' });
    expect(classifyDatadogResponse(413, headers({}), '')).toMatchObject({ status: 'failure', reason: 'datadog_payload_too_large' });
    expect(classifyDatadogResponse(404, headers({}), '')).toMatchObject({ status: 'failure', reason: 'datadog_http_404' });
  });
});

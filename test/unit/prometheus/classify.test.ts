import { describe, expect, it } from 'vitest';
import { classifyRemoteWriteResponse } from '../../../functions/consumers/prometheus/remoteWriteClient.ts';

describe('classifyRemoteWriteResponse', () => {
  it.each([
    [200, null, '', { status: 'success' }],
    [204, null, '', { status: 'success' }],
    [500, null, 'internal error', { status: 'retryable' }],
    [503, '2', 'overloaded', { status: 'retryable', retryAfterMs: 2000 }],
    [429, '7', 'ingestion rate limit exceeded', { status: 'retryable', retryAfterMs: 7000 }],
    [408, null, '', { status: 'retryable' }],
    // Prometheus 2.42 answers 500 for ErrTooOldSample (outside the out-of-order window): never retried.
    [500, null, 'too old sample', { status: 'failure', reason: 'prometheus_too_old' }],
    [400, null, 'out of bounds', { status: 'failure', reason: 'prometheus_too_old' }],
    [400, null, 'out of order sample', { status: 'failure', reason: 'prometheus_out_of_order' }],
    [400, null, 'duplicate sample for timestamp', { status: 'failure', reason: 'prometheus_duplicate_sample' }],
    [400, null, 'the sample has been rejected because ... (err-mimir-sample-out-of-order)', { status: 'failure', reason: 'prometheus_out_of_order' }],
    [400, null, 'err-mimir-sample-timestamp-too-old', { status: 'failure', reason: 'prometheus_too_old' }],
    [400, null, 'snappy: corrupt input', { status: 'failure', reason: 'prometheus_http_400' }],
    [401, null, 'no', { status: 'failure', reason: 'prometheus_unauthorized' }],
    [403, null, 'no', { status: 'failure', reason: 'prometheus_unauthorized' }],
    [413, null, 'too big', { status: 'failure', reason: 'prometheus_request_too_large' }],
    [415, null, '', { status: 'failure', reason: 'prometheus_http_415' }],
    [302, null, '', { status: 'failure', reason: 'prometheus_http_302' }],
  ] as const)('%i (Retry-After %s) "%s"', (status, retryAfter, body, expected) => {
    const r = classifyRemoteWriteResponse(status, retryAfter, body);
    expect(r).toMatchObject(expected);
    if (r.status !== 'success') {
      expect(r.error.message).toContain(`HTTP ${status}`);
      if (body !== '') expect(r.error.message).toContain(body);
    }
  });

  it('keeps the receiver message short in logs', () => {
    const r = classifyRemoteWriteResponse(400, null, 'x'.repeat(10_000));
    expect(r.status === 'failure' && r.error.message.length).toBeLessThan(1200);
  });
});

/**
 * The sink behind `npm start -- --show prometheus`: it decodes remote-write bodies as a receiver
 * would, keeps the latest sample of each series, and prints them in the text exposition style.
 */
import { describe, expect, it } from 'vitest';
import { encodeWriteRequest, type TimeSeries } from '../../../functions/consumers/prometheus/writeRequest.ts';
import { createPreviewProvider, escapeLabelValue, PREVIEW_URL, PrometheusPreview } from '../../../local/prometheusPreview.ts';

const series = (name: string, labels: Record<string, string>, samples: [number, number][]): TimeSeries => ({
  labels: [{ name: '__name__', value: name }, ...Object.entries(labels).map(([n, value]) => ({ name: n, value }))],
  samples: samples.map(([timestamp, value]) => ({ timestamp, value })),
});

const post = (preview: PrometheusPreview, timeseries: TimeSeries[]) =>
  preview.fetch(PREVIEW_URL, { method: 'POST', body: encodeWriteRequest({ timeseries }) });

describe('PrometheusPreview', () => {
  it('answers 204, keeps the latest sample of each series and prints them sorted, buckets by their bound', async () => {
    // Prepare
    const preview = new PrometheusPreview();
    preview.mode = 'cumulative';

    // Act: two requests; labels deliberately unsorted in the second; a later sample in the first request of b.
    const r1 = await post(preview, [
      series('b_total', { w: 'x' }, [[1, 0], [5, 3]]),
      series('h_bucket', { le: '10', w: 'x' }, [[5, 2]]),
      series('h_bucket', { le: '+Inf', w: 'x' }, [[5, 2]]),
    ]);
    const r2 = await post(preview, [
      series('b_total', { w: 'x' }, [[4, 9]]),
      series('h_bucket', { w: 'x', le: '2.5' }, [[5, 1]]),
      series('a', {}, [[7, 0.5]]),
    ]);

    // Assess
    expect([r1.status, r2.status]).toEqual([204, 204]);
    expect(preview.render().split('\n')).toEqual([
      '# prometheus preview (PROM_RW_MODE=cumulative): 5 series, 7 samples written in 2 remote-write requests, not sent (no PROM_RW_URL); latest value of each series:',
      'a 0.5',
      'b_total{w="x"} 3', // the sample at t=5 is newer than the one at t=4 written later
      'h_bucket{le="2.5",w="x"} 1',
      'h_bucket{le="10",w="x"} 2',
      'h_bucket{le="+Inf",w="x"} 2',
      '',
    ]);
  });

  it('escapes backslash, double quote and line feed in label values, as the exposition format does', async () => {
    const preview = new PrometheusPreview();
    await post(preview, [series('m', { path: 'C:\\tmp "x"\nnext' }, [[1, Number.POSITIVE_INFINITY]])]);
    expect(preview.render().split('\n')[1]).toBe('m{path="C:\\\\tmp \\"x\\"\\nnext"} +Inf');
    expect(escapeLabelValue('plain')).toBe('plain');
  });

  it('answers 400 to a body it cannot decode (a permanent rejection, so the run reports it)', async () => {
    const preview = new PrometheusPreview();
    const res = await preview.fetch(PREVIEW_URL, { method: 'POST', body: new Uint8Array([1, 2, 3]) });
    expect(res.status).toBe(400);
    expect(preview.requests).toBe(0);
  });

  it('the provider reads every PROM_RW_* setting, with or without PROM_RW_URL, and fetches no credentials', async () => {
    const a = new PrometheusPreview();
    await createPreviewProvider({ PROM_RW_MODE: 'samples' }, a);
    expect({ mode: a.mode, url: a.url }).toEqual({ mode: 'samples', url: undefined });

    // Bearer auth whose token lives in SSM: validated, but not resolved (that would need AWS).
    const b = new PrometheusPreview();
    await createPreviewProvider({ PROM_RW_URL: 'https://example.com/api/v1/write', PROM_RW_AUTH: 'bearer', PROM_RW_BEARER_TOKEN_REF: 'ssm:/nowhere/token' }, b);
    expect({ mode: b.mode, url: b.url }).toEqual({ mode: 'cumulative', url: 'https://example.com/api/v1/write' });
    expect(b.render()).toContain('not sent to PROM_RW_URL https://example.com/api/v1/write');

    await expect(createPreviewProvider({ PROM_RW_MODE: 'sometimes' }, new PrometheusPreview())).rejects.toThrow(/PROM_RW_MODE/);
  });
});

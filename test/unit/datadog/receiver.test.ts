/**
 * The local Datadog intake (test/helpers/datadogReceiver.ts) answers as Datadog's metrics API does:
 * valid payloads are accepted under their series keys, each schema violation is a 400 naming it,
 * auth and size limits are enforced, points Datadog drops after its 202 are recorded and left out,
 * and scripted answers reach the client as given.
 */
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDatadogReceiver, type DatadogAnswer, type DatadogReceiver, type DatadogRequest, type SeriesPoint } from '../../helpers/datadogReceiver.ts';

const NOW_S = 1_700_000_000;
const V1 = '/api/v1/distribution_points';
const V2 = '/api/v2/series';

let dd: DatadogReceiver;

beforeAll(async () => {
  dd = await startDatadogReceiver({ now: () => NOW_S * 1000 });
});
afterAll(async () => {
  await dd.close();
});
beforeEach(() => {
  dd.reset();
  dd.answer = () => 'validate';
});

interface PostOptions {
  encoding?: 'deflate' | 'gzip' | 'none';
  apiKey?: string;
  raw?: Buffer;
  signal?: AbortSignal;
}

async function post(path: string, body: unknown, o: PostOptions = {}): Promise<{ status: number; headers: Headers; json: unknown }> {
  const plain = o.raw ?? Buffer.from(JSON.stringify(body));
  const encoding = o.encoding ?? 'deflate';
  const wire = encoding === 'deflate' ? deflateSync(plain) : encoding === 'gzip' ? gzipSync(plain) : plain;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'dd-api-key': o.apiKey ?? dd.apiKey };
  if (encoding !== 'none') headers['content-encoding'] = encoding;
  const res = await fetch(`${dd.url}${path}`, { method: 'POST', headers, body: wire, ...(o.signal ? { signal: o.signal } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

const v1Payload = (series: unknown[]): unknown => ({ series });
const v2Payload = (series: unknown[]): unknown => ({ series });

describe('Datadog receiver: valid payloads', () => {
  it('accepts a v1 distribution payload and keys it by metric and sorted tags', async () => {
    const r = await post(
      V1,
      v1Payload([
        { metric: 'app.latency', points: [[NOW_S - 10, [1, 2.5]], [NOW_S, [3]]], tags: ['env:prod', 'app:shop'], type: 'distribution', host: 'h1' },
        { metric: 'app.size', points: [[NOW_S, [7]]] },
      ]),
    );
    expect(r.status).toBe(202);
    expect(dd.requests[0]?.problems).toEqual([]);
    expect(dd.requests[0]?.status).toBe(202);
    expect(dd.requests[0]?.bodyBytes).toBeGreaterThan(dd.requests[0]?.wireBytes ?? Infinity);
    expect(dd.distributionValues()).toEqual(
      new Map([
        ['app.latency{app:shop,env:prod}', [1, 2.5, 3]],
        ['app.size{}', [7]],
      ]),
    );
    expect(dd.seriesPoints().size).toBe(0);
  });

  it('accepts a v2 series payload (deflate and gzip) with type and interval', async () => {
    const a = await post(
      V2,
      v2Payload([
        { metric: 'app.requests', type: 1, interval: 10, points: [{ timestamp: NOW_S - 5, value: 4 }], tags: ['z:1', 'a:2'], resources: [{ name: 'h1', type: 'host' }] },
        { metric: 'app.temp', type: 3, points: [{ timestamp: NOW_S, value: 21.5 }], unit: 'degree', metadata: { origin: { metric_type: 1, product: 2, service: 3 } } },
      ]),
    );
    const b = await post(V2, v2Payload([{ metric: 'app.requests', type: 1, interval: 10, points: [{ timestamp: NOW_S, value: 6 }], tags: ['a:2', 'z:1'] }]), { encoding: 'gzip' });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.json).toEqual({ errors: [] });
    expect(dd.problems()).toEqual([]);
    expect(dd.seriesPoints()).toEqual(
      new Map<string, SeriesPoint[]>([
        [
          'app.requests{a:2,z:1}',
          [
            { timestamp: NOW_S - 5, value: 4, type: 1, interval: 10 },
            { timestamp: NOW_S, value: 6, type: 1, interval: 10 },
          ],
        ],
        ['app.temp{}', [{ timestamp: NOW_S, value: 21.5, type: 3 }]],
      ]),
    );
  });
});

describe('Datadog receiver: schema violations are 400 with the problem named, nothing accepted', () => {
  const cases: Array<{ name: string; path: string; body: unknown; encoding?: 'gzip'; problem: RegExp }> = [
    { name: 'missing metric', path: V1, body: v1Payload([{ points: [[NOW_S, [1]]] }]), problem: /series\[0\]: missing required property 'metric'/ },
    { name: 'points as a string', path: V1, body: v1Payload([{ metric: 'a.b', points: '[[1,[2]]]' }]), problem: /series\[0\]\.points: expected an array, got the string/ },
    { name: 'an unknown field', path: V1, body: v1Payload([{ metric: 'a.b', points: [[NOW_S, [1]]], colour: 'red' }]), problem: /series\[0\]\."colour": unknown field/ },
    { name: 'a v1 point without values', path: V1, body: v1Payload([{ metric: 'a.b', points: [[NOW_S, []]] }]), problem: /series\[0\]\.points\[0\]\[1\]: the values must be a non-empty array/ },
    { name: 'a v2 type 7', path: V2, body: v2Payload([{ metric: 'a.b', type: 7, points: [{ timestamp: NOW_S, value: 1 }] }]), problem: /series\[0\]\.type: 7 is not a valid MetricIntakeType/ },
    { name: 'a v2 point without value', path: V2, body: v2Payload([{ metric: 'a.b', points: [{ timestamp: NOW_S }] }]), problem: /series\[0\]\.points\[0\]: missing 'value'/ },
    { name: 'a v2 fractional timestamp', path: V2, body: v2Payload([{ metric: 'a.b', points: [{ timestamp: NOW_S + 0.5, value: 1 }] }]), problem: /points\[0\]\.timestamp: expected an integer/ },
    { name: 'gzip on v1', path: V1, body: v1Payload([{ metric: 'a.b', points: [[NOW_S, [1]]] }]), encoding: 'gzip', problem: /Content-Encoding "gzip" is not a valid DistributionPointsContentEncoding/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      // A valid series beside the faulty one: a 400 accepts nothing of the request.
      const body = c.path === V1 && c.encoding === undefined ? { series: [...(c.body as { series: unknown[] }).series, { metric: 'ok.one', points: [[NOW_S, [1]]] }] } : c.body;
      const r = await post(c.path, body, c.encoding ? { encoding: c.encoding } : {});
      expect(r.status).toBe(400);
      const errors = (r.json as { errors: string[] }).errors;
      expect(errors.some((e) => c.problem.test(e))).toBe(true);
      expect(dd.requests[0]?.problems.some((e) => c.problem.test(e))).toBe(true);
      expect(dd.distributionValues().size + dd.seriesPoints().size).toBe(0);
    });
  }

  it('unparseable JSON is a 400', async () => {
    const r = await post(V2, undefined, { raw: Buffer.from('{"series": [') });
    expect(r.status).toBe(400);
    expect(dd.requests[0]?.body).toBeUndefined();
    expect(dd.problems()[0]).toMatch(/^#0: body is not JSON/);
  });
});

describe('Datadog receiver: auth, routes and limits', () => {
  it('a wrong API key is a 403 Forbidden', async () => {
    const r = await post(V2, v2Payload([{ metric: 'a.b', points: [{ timestamp: NOW_S, value: 1 }] }]), { apiKey: 'nope' });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ errors: ['Forbidden'] });
    expect(dd.seriesPoints().size).toBe(0);
  });

  it('an unknown path is a 404', async () => {
    const r = await post('/api/v1/series', v2Payload([]));
    expect(r.status).toBe(404);
  });

  it('more than 512000 bytes on the wire, or 5 MiB decompressed, is a 413', async () => {
    const big = { series: [{ metric: 'a.b', points: [[NOW_S, [1]]], host: 'x'.repeat(600_000) }] };
    const wire = await post(V1, undefined, { raw: Buffer.from(JSON.stringify(big)), encoding: 'none' });
    expect(wire.status).toBe(413);
    expect(wire.json).toEqual({ errors: ['Payload too large'] });
    expect(dd.requests[0]?.wireBytes).toBeGreaterThan(512_000);
    const bomb = { series: [{ metric: 'a.b', points: [[NOW_S, [1]]], host: 'x'.repeat(5_300_000) }] };
    const inflated = await post(V1, bomb);
    expect(dd.requests[1]?.wireBytes).toBeLessThan(512_000);
    expect(inflated.status).toBe(413);
    expect(dd.distributionValues().size).toBe(0);
  });
});

describe('Datadog receiver: points Datadog drops after its 202', () => {
  it('records a too-old point and an upper-case tag, answers 202 and keeps only the rest', async () => {
    const r = await post(
      V1,
      v1Payload([
        { metric: 'app.latency', points: [[NOW_S - 3601, [9]], [NOW_S, [1]]], tags: ['env:prod'] },
        { metric: 'app.other', points: [[NOW_S, [5]]], tags: ['Env:prod'] },
      ]),
    );
    expect(r.status).toBe(202);
    expect(dd.requests[0]?.problems).toEqual([
      'series[0].points[0]: timestamp 1699996399 is more than 3600 s in the past (dropped by Datadog)',
      'series[1].tags[0]: the string "Env:prod" has an upper-case letter (dropped by Datadog)',
    ]);
    expect(dd.distributionValues()).toEqual(new Map([['app.latency{env:prod}', [1]]]));
  });

  it('drops a v2 count without interval and a point too far ahead', async () => {
    const r = await post(
      V2,
      v2Payload([
        { metric: 'app.count', type: 1, points: [{ timestamp: NOW_S, value: 1 }] },
        { metric: 'app.gauge', type: 3, points: [{ timestamp: NOW_S + 601, value: 1 }, { timestamp: NOW_S + 600, value: 2 }] },
      ]),
    );
    expect(r.status).toBe(202);
    expect(dd.problems()).toEqual([
      "#0: series[0]: a count needs a positive integer 'interval' (dropped by Datadog)",
      '#0: series[1].points[0]: timestamp 1700000601 is more than 600 s in the future (dropped by Datadog)',
    ]);
    expect(dd.seriesPoints()).toEqual(new Map([['app.gauge{}', [{ timestamp: NOW_S + 600, value: 2, type: 3 }]]]));
  });
});

describe('Datadog receiver: scripted answers and reset', () => {
  it('a scripted 429 with X-RateLimit-Reset reaches the client, and nothing is accepted', async () => {
    const seen: DatadogRequest[] = [];
    dd.answer = (req): DatadogAnswer => {
      seen.push(req);
      return { status: 429, headers: { 'X-RateLimit-Reset': '2' }, body: '{"errors":["Too many requests"]}' };
    };
    const r = await post(V2, v2Payload([{ metric: 'a.b', points: [{ timestamp: NOW_S, value: 1 }] }]));
    expect(r.status).toBe(429);
    expect(r.headers.get('x-ratelimit-reset')).toBe('2');
    expect(seen).toEqual([dd.requests[0]]);
    expect(dd.requests[0]?.status).toBe(429);
    expect(dd.requests[0]?.problems).toEqual([]);
    expect(dd.seriesPoints().size).toBe(0);
  });

  it('hang never answers', async () => {
    dd.answer = () => 'hang';
    await expect(post(V2, v2Payload([]), { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(dd.requests).toHaveLength(1);
    expect(dd.requests[0]?.status).toBeUndefined();
  });

  it('reset() forgets requests and accepted data', async () => {
    await post(V1, v1Payload([{ metric: 'a.b', points: [[NOW_S, [1]]], tags: ['Bad'] }]));
    await post(V1, v1Payload([{ metric: 'a.c', points: [[NOW_S, [2]]] }]));
    expect(dd.requests).toHaveLength(2);
    expect(dd.problems()).toHaveLength(1);
    expect(dd.distributionValues().size).toBe(1);
    dd.reset();
    expect(dd.requests).toHaveLength(0);
    expect(dd.problems()).toEqual([]);
    expect(dd.distributionValues().size).toBe(0);
    expect(dd.seriesPoints().size).toBe(0);
  });
});

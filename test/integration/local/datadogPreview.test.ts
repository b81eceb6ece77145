/**
 * `npm start -- --show datadog` through `runMain` (the function `main.ts` runs) on the bundled sample: the
 * real Datadog provider posts to the preview's fake `fetch` instead of Datadog's API, and the requests it
 * printed are
 * - requests the test Datadog intake (`datadogReceiver.ts`, checked against the API client's schema)
 *   answers 202 without a problem, when the printed bodies are posted to it;
 * - holding what the sample's EMF documents predict (computed here from the documents alone): the metric
 *   names `Namespace.Metric`, the dimensions as lower-case `key:value` tags, the values in milliseconds for
 *   time units.
 * No request leaves the process: `DD_URL` points at a TCP server that counts connections, and the API key
 * is not fetched.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { deflateSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSample } from '../../../local/input/sample.ts';
import { runMain } from '../../../local/main.ts';
import type { RunSummary } from '../../../local/summary.ts';
import { startDatadogReceiver, type DatadogReceiver } from '../../helpers/datadogReceiver.ts';

const ROOT = join(import.meta.dirname, '../../..');
const DISTRIBUTIONS = '/api/v1/distribution_points';
const SERIES = '/api/v2/series';

let receiver: DatadogReceiver;
/** Where `DD_URL` points: a TCP server counting the connections it gets (none expected). */
let target: Server;
let connections = 0;
let targetUrl: string;

beforeAll(async () => {
  receiver = await startDatadogReceiver();
  target = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const address = target.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  targetUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await receiver?.close();
  await new Promise((resolve) => (target ? target.close(resolve) : resolve(undefined)));
});
afterEach(() => {
  vi.restoreAllMocks();
  receiver.reset();
});

async function run(argv: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  let summary: RunSummary | undefined;
  const code = await runMain(argv, { env, stdin: Readable.from([]), stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), onSummary: (s) => (summary = s) });
  return { code, stdout, stderr, summary: summary! };
}

/** One printed request: its URL and its parsed body. */
interface Printed {
  url: string;
  body: { series: Record<string, unknown>[] };
}

/** The preview's header and requests: after the header, `POST <url>` lines each followed by a JSON body, up to the next `# ` header or the end. */
function parsePreview(stdout: string): { header: string; requests: Printed[] } {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith('# datadog preview'));
  expect(at, 'the datadog preview header').toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > at && l.startsWith('# '));
  const requests: Printed[] = [];
  let current: { url: string; json: string[] } | undefined;
  const flush = () => {
    if (current === undefined) return;
    const text = current.json.join('\n');
    expect(text, `the body after POST ${current.url}`).toMatch(/^\{\n {2}"/);
    requests.push({ url: current.url, body: JSON.parse(text) as Printed['body'] });
  };
  for (const line of lines.slice(at + 1, end < 0 ? undefined : end)) {
    if (line.startsWith('POST ')) {
      flush();
      current = { url: line.slice('POST '.length), json: [] };
    } else if (current !== undefined) current.json.push(line);
    else expect(line, 'a line before the first POST').toBe('');
  }
  flush();
  return { header: lines[at]!, requests };
}

/** Posts each printed body, deflated as the provider sends it, to the test intake; returns the statuses. */
async function postToReceiver(requests: readonly Printed[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const r of requests) {
    const res = await fetch(`${receiver.url}${new URL(r.url).pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'deflate', 'dd-api-key': receiver.apiKey },
      body: deflateSync(JSON.stringify(r.body)),
    });
    await res.text();
    statuses.push(res.status);
  }
  return statuses;
}

type Doc = Record<string, unknown> & { _aws?: { CloudWatchMetrics?: { Namespace: string; Dimensions?: string[][]; Metrics: { Name: string; Unit?: string }[] }[] } };

/**
 * The sample's EMF documents that are bare JSON lines (the forwarder also unwraps prefixed and
 * JSON-log-format lines, which are left out), without the deliberately invalid ones. Throws if a
 * left-out line shares a namespace with them, since the expected values would then be incomplete.
 */
function bareSampleDocuments(): { docs: Doc[]; namespaces: Set<string> } {
  const docs: Doc[] = [];
  const namespaces = new Set<string>();
  const leftOut: string[] = [];
  for (const e of loadSample(Date.now())) {
    let doc: Doc | undefined;
    try {
      doc = JSON.parse(e.message) as Doc;
    } catch {
      doc = undefined;
    }
    const ns = doc?._aws?.CloudWatchMetrics?.map((d) => d.Namespace);
    if (doc === undefined || ns === undefined || ns.includes('emf-fanout/invalid')) {
      leftOut.push(e.message);
      continue;
    }
    docs.push(doc);
    for (const n of ns) namespaces.add(n);
  }
  for (const m of leftOut) {
    for (const [, n] of m.matchAll(/Namespace\\?"\s*:\s*\\?"([^"\\]+)/g)) {
      if (namespaces.has(n!)) throw new Error(`a sample line the test leaves out also writes namespace ${n}`);
    }
  }
  return { docs, namespaces };
}

/** A metric name as Datadog takes it: characters outside [A-Za-z0-9_.] as `_`. */
const metricName = (s: string) => s.replace(/[^A-Za-z0-9_.]/g, '_');
const TO_MS: Readonly<Record<string, number>> = { Seconds: 1000, Milliseconds: 1, Microseconds: 0.001 };
/** The receiver's key: `metric{tag1,tag2}`, tags sorted. */
const keyOf = (metric: string, tags: readonly string[]) => `${metric}{${[...tags].sort().join(',')}}`;

/**
 * What the documents predict, by key, in the metric's unit (milliseconds for a time unit): the observations
 * CloudWatch counts (a number is one, an array's elements one each, a statistic set's `Values[i]`
 * `Counts[i]` times), their sum, and a statistic set without `Values` as its Count, Sum, Min and Max.
 */
interface Expected {
  unit: string;
  /** The observations, when the documents give each one. */
  values: number[];
  /** Statistic sets without `Values`: what the observations sent for them must add up to. */
  summaries: { count: number; sum: number; min: number; max: number }[];
  sum: number;
}

function expectedFrom(docs: readonly Doc[]): Map<string, Expected> {
  const out = new Map<string, Expected>();
  for (const doc of docs) {
    for (const directive of doc._aws!.CloudWatchMetrics!) {
      for (const set of directive.Dimensions ?? [[]]) {
        const tags = set.map((k) => {
          const tag = `${k.toLowerCase()}:${String(doc[k]).toLowerCase()}`;
          // The premise of this oracle: no character Datadog's tag rules would replace.
          if (!/^[a-z][a-z0-9_.\-/]*:[a-z0-9_.\-/:]+$/.test(tag)) throw new Error(`the oracle does not sanitise tags: ${tag}`);
          return tag;
        });
        for (const m of directive.Metrics) {
          const raw = doc[m.Name];
          const unit = m.Unit ?? 'None';
          const f = TO_MS[unit] ?? 1;
          const key = keyOf(metricName(`${directive.Namespace}.${m.Name}`), tags);
          const entry = out.get(key) ?? { unit, values: [], summaries: [], sum: 0 };
          out.set(key, entry);
          if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
            const set = raw as { Values?: number[]; Counts?: number[]; Count: number; Sum: number; Min: number; Max: number };
            if (set.Values === undefined) entry.summaries.push({ count: set.Count, sum: set.Sum * f, min: set.Min * f, max: set.Max * f });
            else set.Values.forEach((v, i) => entry.values.push(...new Array<number>(set.Counts?.[i] ?? 1).fill(v * f)));
            entry.sum += set.Sum * f;
            continue;
          }
          const values = (Array.isArray(raw) ? (raw as number[]) : [raw as number]).map((v) => v * f);
          if (values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) throw new Error(`the oracle reads numbers, arrays and statistic sets only: ${m.Name}`);
          entry.values.push(...values);
          entry.sum += values.reduce((a, b) => a + b, 0);
        }
      }
    }
  }
  return out;
}

/** Keeps the entries of `map` whose metric belongs to `namespaces`. */
function ofNamespaces<V>(map: ReadonlyMap<string, V>, namespaces: ReadonlySet<string>): Map<string, V> {
  const prefixes = [...namespaces].map((n) => `${metricName(n)}.`);
  return new Map([...map].filter(([k]) => prefixes.some((p) => k.startsWith(p))));
}

const sorted = (v: readonly number[]) => [...v].sort((a, b) => a - b);
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe('npm start --show datadog', () => {
  it('with DD_URL set and no DD_API_KEY_REF: prints the distribution requests, as the documents predict, valid for the intake, and connects to nothing', async () => {
    // Prepare: any request through the global fetch would be a request to Datadog.
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const { docs, namespaces } = bareSampleDocuments();
    const expected = expectedFrom(docs);

    // Act
    const r = await run(['--show', 'datadog', '--no-console'], { DD_URL: targetUrl });

    // Assess: exit code, the fake fetch answered every request (nothing dropped, nothing retried), nothing left the process.
    expect(r.code, r.stderr).toBe(0);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(connections).toBe(0);
    expect(r.stderr).toContain('datadog (preview, nothing sent)');
    const dd = r.summary.providers.find((p) => p.name === 'datadog')!;
    expect({ delivered: dd.delivered, dropped: dd.dropped, retries: dd.sendRetries }).toEqual({ delivered: dd.data, dropped: {}, retries: 0 });
    expect(dd.data).toBeGreaterThan(0);

    // Assess: the header counts the requests; each is a POST to DD_URL's distribution endpoint with a JSON body.
    const { header, requests } = parsePreview(r.stdout);
    expect(header).toBe(`# datadog preview (DD_MODE=distributions): ${requests.length} request${requests.length === 1 ? '' : 's'}, not sent to ${targetUrl}; every request in the order sent, its JSON body before compression:`);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.map((q) => q.url)).toEqual(requests.map(() => `${targetUrl}${DISTRIBUTIONS}`));
    const series = requests.flatMap((q) => q.body.series);
    expect(series.length).toBeGreaterThan(0);
    for (const s of series) {
      expect(s.type, JSON.stringify(s)).toBe('distribution');
      for (const t of s.tags as string[]) expect(t, String(s.metric)).toBe(t.toLowerCase());
    }

    // The test intake takes every printed request, with no problem.
    expect(await postToReceiver(requests)).toEqual(requests.map(() => 202));
    expect(receiver.problems()).toEqual([]);

    // What it holds: the documents' names, lower-case tags and observations, for the namespaces the oracle read.
    const held = ofNamespaces(receiver.distributionValues(), namespaces);
    expect(expected.size).toBeGreaterThan(10);
    expect([...held.keys()].sort()).toEqual([...expected.keys()].sort());
    const wrong = [...expected]
      .filter(([k, e]) => {
        const got = sorted(held.get(k)!);
        if (e.summaries.length === 0) {
          const want = sorted(e.values);
          return got.length !== want.length || got.some((v, i) => !close(v, want[i]!));
        }
        // A statistic set without Values: as many observations as its Count, adding up to its Sum, within Min and Max.
        const count = e.values.length + e.summaries.reduce((a, s) => a + s.count, 0);
        const min = Math.min(...e.values, ...e.summaries.map((s) => s.min));
        const max = Math.max(...e.values, ...e.summaries.map((s) => s.max));
        return got.length !== count || !close(got.reduce((a, b) => a + b, 0), e.sum) || !close(got[0]!, min) || !close(got.at(-1)!, max);
      })
      .map(([k, e]) => `${k}: expected ${JSON.stringify(e)}, printed ${JSON.stringify(sorted(held.get(k)!))}`);
    expect(wrong).toEqual([]);
    // Among them a statistic set in seconds (Min 0.5, Max 4.5, Count 4, Sum 9), in milliseconds, and dimension keys lower-cased.
    expect(sorted(held.get('otel_checkout.queue.wait{service.name:checkout}')!)).toEqual([500, 2000, 2000, 4500]);
    expect([...held.keys()]).toContain('serverlessAirline.performedActionA{environment:prod,paymentmethod:card,region:eu-west-1,service:orders}');
  });

  it('with DD_MODE=series, DD_SITE and a DD_API_KEY_REF: prints v2 series for the site, one writer, counts as the documents predict; the key is not fetched', async () => {
    // Prepare: a reference that cannot be fetched here (no AWS account): resolving it would fail the run.
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const { docs, namespaces } = bareSampleDocuments();
    const counts = new Map([...expectedFrom(docs)].filter(([, e]) => e.unit === 'Count').map(([k, e]) => [k, e.sum]));

    // Act
    const r = await run(['--show', 'datadog', '--quiet'], { DD_MODE: 'series', DD_SITE: 'eu', DD_API_KEY_REF: 'secretsmanager:emf-fanout/not-there' });

    // Assess
    expect(r.code, r.stderr).toBe(0);
    expect(fetchSpy).not.toHaveBeenCalled();
    const { header, requests } = parsePreview(r.stdout);
    expect(header).toMatch(/^# datadog preview \(DD_MODE=series\): \d+ requests?, not sent to https:\/\/api\.datadoghq\.eu; /);
    expect(requests.length).toBeGreaterThan(0);
    expect(new Set(requests.map((q) => q.url))).toEqual(new Set([`https://api.datadoghq.eu${SERIES}`]));
    const series = requests.flatMap((q) => q.body.series);
    const writers = new Set<string>();
    for (const s of series) {
      expect([1, 3], JSON.stringify(s)).toContain(s.type);
      const tags = s.tags as string[];
      for (const t of tags) expect(t, String(s.metric)).toBe(t.toLowerCase());
      for (const t of tags.filter((x) => x.startsWith('emf_fanout_writer:'))) writers.add(t);
    }
    expect(writers.size).toBe(1);
    expect([...writers][0]).toMatch(/^emf_fanout_writer:[0-9a-f]{12}$/);

    // The test intake takes every printed request; each count's points (last value per interval) add up to the documents' sum.
    expect(await postToReceiver(requests)).toEqual(requests.map(() => 202));
    expect(receiver.problems()).toEqual([]);
    const writer = [...writers][0]!;
    const totals = new Map<string, number>();
    for (const [key, points] of ofNamespaces(receiver.seriesPoints(), namespaces)) {
      if (points.some((p) => p.type !== 1)) continue;
      const perInterval = new Map(points.map((p) => [p.timestamp, p.value]));
      totals.set(key.replace(`,${writer}`, '').replace(`${writer},`, '').replace(`{${writer}}`, '{}'), [...perInterval.values()].reduce((a, b) => a + b, 0));
    }
    expect(counts.size).toBeGreaterThan(5);
    expect([...totals.keys()].sort()).toEqual([...counts.keys()].sort());
    expect([...counts].filter(([k, v]) => !close(totals.get(k)!, v))).toEqual([]);
  });

  it('with --show datadog,prometheus: prints both previews, in that order, after the summary', async () => {
    // Act
    const r = await run(['--show', 'datadog,prometheus', '--no-console'], {});

    // Assess
    expect(r.code, r.stderr).toBe(0);
    const headers = r.stdout.split('\n').filter((l) => l.startsWith('# '));
    expect(headers.map((h) => h.split(' ').slice(0, 3).join(' '))).toEqual(['# datadog preview', '# prometheus preview']);
    expect(headers[0]).toContain('not sent to https://api.datadoghq.com;');
    expect(parsePreview(r.stdout).requests.length).toBeGreaterThan(0);
  });

  it('docs/local.md: the --show datadog example, run as written; every line it shows is printed, in order (… stands for anything, a 10-digit number for a time in seconds, the count of requests for any count)', async () => {
    // Prepare: the example's lines, from its command to the next command or the end of the block.
    const doc = readFileSync(join(ROOT, 'docs/local.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## What a provider would send'));
    const block = /```\n([\s\S]*?)```/.exec(section)![1]!.split('\n').filter((l) => l !== '');
    const start = block.findIndex((l) => l.startsWith('$ npm start -- --show datadog'));
    expect(start, 'docs/local.md shows a --show datadog example').toBeGreaterThanOrEqual(0);
    const next = block.findIndex((l, i) => i > start && l.startsWith('$ '));
    const shownLines = block.slice(start + 1, next < 0 ? undefined : next);
    expect(shownLines.length).toBeGreaterThan(5);

    // Act
    const r = await run(block[start]!.slice('$ npm start -- '.length).split(/\s+/), {});

    // Assess
    expect(r.code, r.stderr).toBe(0);
    const printed = r.stdout.split('\n');
    let at = 0;
    for (const shown of shownLines) {
      if (shown === '…') continue;
      const escaped = shown.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\b\d{10}\b/g, '\\d{10}').replace(/\b\d+ requests?,/, '[\\d,]+ requests?,')).join('.*');
      const pattern = new RegExp(`^${escaped}$`);
      const found = printed.findIndex((l, i) => i >= at && pattern.test(l));
      expect(found, `docs/local.md shows a line npm start does not print (in this order): ${shown}\n${printed.slice(at, at + 3).join("\n")}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });
});

/**
 * `npm start -- --show prometheus` through `runMain` (the function `main.ts` runs) on the bundled
 * sample: the real Prometheus provider writes to the in-process sink instead of a receiver, and what
 * it printed is checked against the test oracles of `test/helpers/prometheusExpect.ts`, which compute
 * the series from the sample's EMF documents alone. No request leaves the process.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSample } from '../../../local/input/sample.ts';
import { runMain } from '../../../local/main.ts';
import type { RunSummary } from '../../../local/summary.ts';
import { CumulativeOracle, Oracle, snake } from '../../helpers/prometheusExpect.ts';

afterEach(() => vi.restoreAllMocks());

async function run(argv: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  let summary: RunSummary | undefined;
  const code = await runMain(argv, { env, stdin: Readable.from([]), stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), onSummary: (s) => (summary = s) });
  return { code, stdout, stderr, summary: summary! };
}

/** One printed series: name, labels (values unescaped), value. */
interface Printed {
  name: string;
  labels: Record<string, string>;
  value: number;
  line: string;
}

const unescape = (v: string) => v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
const parseValue = (v: string) => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));

/** The preview's header and series lines (everything after the header line, which comes last on stdout). */
function parsePreview(stdout: string): { header: string; series: Printed[] } {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith('# prometheus preview'));
  expect(at, 'the preview header').toBeGreaterThanOrEqual(0);
  const series = lines.slice(at + 1).filter((l) => l !== '').map((line): Printed => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const labels: Record<string, string> = {};
    let rest = m![2] ?? '';
    while (rest !== '') {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/.exec(rest);
      expect(l, line).not.toBeNull();
      labels[l![1]!] = unescape(l![2]!);
      rest = rest.slice(l![0].length);
    }
    return { name: m![1]!, labels, value: parseValue(m![3]!), line };
  });
  return { header: lines[at]!, series };
}

/** The oracles' key format: `name{a="x",b="y"}`, labels sorted, without `omit`. */
const keyOf = (p: Printed, omit: string[] = []) =>
  `${p.name}{${Object.entries(p.labels).filter(([n]) => !omit.includes(n)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, v]) => `${n}="${v}"`).join(',')}}`;

/**
 * The sample's EMF documents the oracles can read as they are (bare JSON lines; the forwarder also
 * unwraps prefixed and JSON-log-format lines, which are left out), without the deliberately invalid
 * ones, and their namespaces. Throws if a left-out line shares a namespace with them, since the
 * expected values would then be incomplete.
 */
function bareSampleDocuments(): { docs: { message: string; timestamp: number }[]; namespaces: Set<string> } {
  const docs: { message: string; timestamp: number }[] = [];
  const namespaces = new Set<string>();
  const leftOut: string[] = [];
  for (const e of loadSample(Date.now())) {
    let doc: { _aws?: { CloudWatchMetrics?: { Namespace: string }[] } } | undefined;
    try {
      doc = JSON.parse(e.message) as typeof doc;
    } catch {
      doc = undefined;
    }
    const ns = doc?._aws?.CloudWatchMetrics?.map((d) => d.Namespace);
    if (ns === undefined || ns.includes('emf-fanout/invalid')) {
      leftOut.push(e.message);
      continue;
    }
    docs.push({ message: e.message, timestamp: e.timestamp });
    for (const n of ns) namespaces.add(n);
  }
  for (const m of leftOut) {
    for (const [, n] of m.matchAll(/Namespace\\?"\s*:\s*\\?"([^"\\]+)/g)) {
      if (namespaces.has(n!)) throw new Error(`a sample line the test leaves out also writes namespace ${n}`);
    }
  }
  return { docs, namespaces };
}

/** The printed series that belong to `namespaces` (by the snake-case prefix of their names). */
const ofNamespaces = (series: Printed[], namespaces: Set<string>) => {
  const prefixes = [...namespaces].map((n) => `${snake(n)}_`);
  return series.filter((s) => prefixes.some((p) => s.name.startsWith(p)));
};

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe('npm start --show prometheus', () => {
  it('without PROM_RW_URL: prints the cumulative series the provider wrote, as the documents predict, and sends nothing', async () => {
    // Prepare: any request through the global fetch would be a request to a receiver.
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const { docs, namespaces } = bareSampleDocuments();
    const oracle = new CumulativeOracle();
    for (const d of docs) oracle.addDocument(d.message, d.timestamp);

    // Act
    const r = await run(['--show', 'prometheus', '--quiet'], {});

    // Assess: exit code, and the sink answered every request (nothing dropped, nothing retried).
    expect(r.code, r.stderr).toBe(0);
    expect(fetchSpy).not.toHaveBeenCalled();
    const prom = r.summary.providers.find((p) => p.name === 'prometheus')!;
    expect({ delivered: prom.delivered, dropped: prom.dropped, retries: prom.sendRetries }).toEqual({ delivered: prom.data, dropped: {}, retries: 0 });
    expect(prom.data).toBeGreaterThan(0);
    expect(r.stderr).toContain('prometheus (preview, nothing sent)');

    // Assess: the preview comes after the summary's data (stdout) and its header counts what follows.
    const { header, series } = parsePreview(r.stdout);
    expect(header).toMatch(new RegExp(`^# prometheus preview \\(PROM_RW_MODE=cumulative\\): ${series.length.toLocaleString('en-US')} series, [\\d,]+ samples written in \\d+ remote-write requests?, not sent \\(no PROM_RW_URL\\); latest value of each series:$`));
    expect(series.length).toBeGreaterThan(0);
    expect(new Set(series.map((s) => s.line)).size).toBe(series.length);

    // Every series carries the writer label, one writer (one consumer container).
    const writers = new Set(series.map((s) => s.labels.emf_fanout_writer));
    expect(writers.size).toBe(1);
    expect([...writers][0]).toMatch(/^[0-9a-f]{12}$/);

    // Sorted: by name, and labels sorted within each line.
    const names = series.map((s) => s.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const s of series) expect(Object.keys(s.labels), s.line).toEqual(Object.keys(s.labels).sort());

    // At least one counter; every histogram's +Inf bucket equals its _count.
    expect(series.filter((s) => s.name.endsWith('_total')).length).toBeGreaterThan(0);
    const infBuckets = series.filter((s) => s.name.endsWith('_bucket') && s.labels.le === '+Inf');
    expect(infBuckets.length).toBeGreaterThan(0);
    const byKey = new Map(series.map((s) => [keyOf(s), s.value]));
    for (const b of infBuckets) {
      const count = { ...b, name: b.name.replace(/_bucket$/, '_count'), labels: Object.fromEntries(Object.entries(b.labels).filter(([n]) => n !== 'le')) };
      expect(byKey.get(keyOf(count)), b.line).toBe(b.value);
    }

    // The values: what the oracle computes from the documents, for the namespaces it was given.
    const printed = new Map(ofNamespaces(series, namespaces).map((s) => [keyOf(s, ['emf_fanout_writer']), s.value]));
    expect(oracle.values.size).toBeGreaterThan(20);
    expect([...printed.keys()].sort()).toEqual([...oracle.values.keys()].sort());
    const wrong = [...oracle.values].filter(([k, v]) => !close(printed.get(k)!, v)).map(([k, v]) => `${k}: expected ${v}, printed ${printed.get(k)}`);
    expect(wrong).toEqual([]);
    // Among them a counter and a histogram whose +Inf bucket is the number of observations.
    expect([...oracle.values.keys()].some((k) => /_total\{/.test(k))).toBe(true);
    expect([...oracle.values.keys()].some((k) => /_bucket\{.*le="\+Inf"/.test(k))).toBe(true);
  });

  it('with PROM_RW_MODE=samples: previews samples-mode series (no _total, no buckets, no writer label), latest sample as the documents predict', async () => {
    // Prepare
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const { docs, namespaces } = bareSampleDocuments();
    const oracle = new Oracle();
    for (const d of docs) oracle.addDocument(d.message, d.timestamp);
    const latest = new Map([...oracle.series].map(([k, samples]) => [k, samples.get(Math.max(...samples.keys()))!]));

    // Act
    const r = await run(['--show', 'prometheus', '--no-console'], { PROM_RW_MODE: 'samples' });

    // Assess
    expect(r.code, r.stderr).toBe(0);
    expect(fetchSpy).not.toHaveBeenCalled();
    const { header, series } = parsePreview(r.stdout);
    expect(header).toMatch(/^# prometheus preview \(PROM_RW_MODE=samples\): /);
    expect(series.length).toBeGreaterThan(0);
    for (const s of series) {
      expect(s.name, s.line).not.toMatch(/_(total|bucket)$/);
      expect(s.labels, s.line).not.toHaveProperty('emf_fanout_writer');
      expect(s.labels, s.line).not.toHaveProperty('le');
    }
    const printed = new Map(ofNamespaces(series, namespaces).map((s) => [keyOf(s), s.value]));
    expect([...printed.keys()].sort()).toEqual([...latest.keys()].sort());
    const wrong = [...latest].filter(([k, v]) => !close(printed.get(k)!, v)).map(([k, v]) => `${k}: expected ${v}, printed ${printed.get(k)}`);
    expect(wrong).toEqual([]);
  });

  it('with PROM_RW_URL set: the preview replaces sending, the receiver gets no request (and --prometheus-preview is --show prometheus)', async () => {
    // Prepare: a receiver that counts requests.
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
    try {
      // Act
      const r = await run(['--prometheus-preview', '--no-console'], { PROM_RW_URL: url });

      // Assess
      expect(r.code, r.stderr).toBe(0);
      expect(requests).toBe(0);
      const { header, series } = parsePreview(r.stdout);
      expect(header).toContain(`not sent to PROM_RW_URL ${url}`);
      expect(series.length).toBeGreaterThan(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

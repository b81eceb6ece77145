/**
 * `npm start`'s pipeline end to end, as a benchmark: fixture lines from the real producers,
 * repeated with fresh times and log streams, through the forwarder, the embedded stream, the
 * event-source-mapping emulator and the consumer handler, into the console provider (formatting
 * every line, output discarded) and into a real Prometheus (remote write). Documents per second
 * over the whole run, and the run must lose nothing, or the bench throws.
 *
 * Standalone: `npx tsx test/bench/local.ts [documents]`.
 */
import { pathToFileURL } from 'node:url';
import { ConsoleProvider } from '../../local/ConsoleProvider.ts';
import { shiftMessage } from '../../local/input/rebase.ts';
import type { InputEvent } from '../../local/input/types.ts';
import { runLocalPipeline, type LocalProvider } from '../../local/pipeline.ts';
import { createPrometheusProvider } from '../../functions/consumers/prometheus/PrometheusProvider.ts';
import { loadPrometheusConfig } from '../../functions/consumers/prometheus/config.ts';
import { createMemoryLogger } from '../../shared/log/logger.ts';
import { getFixtureLines, type FixtureLine } from '../fixtures/generate.ts';
import { startPrometheus } from '../helpers/prometheus.ts';

export interface LocalBenchResult {
  provider: 'console' | 'prometheus';
  logEvents: number;
  documents: number;
  dataPoints: number;
  seconds: number;
  documentsPerSecond: number;
  dataPointsPerSecond: number;
}

export interface LocalBenchOptions {
  /** EMF documents in the input (plain and platform lines come on top, in the fixtures' proportion). @default 20000 */
  documents?: number;
  /** @default 2 */
  shards?: number;
}

/**
 * Drops EMF lines that give a series a second value at a millisecond it already has: Prometheus
 * rejects such a sample when the two arrive in different requests (`duplicate sample for
 * timestamp`), which would depend on where batches happen to be cut, not on throughput.
 */
function withoutSameInstantSeries(lines: readonly FixtureLine[]): FixtureLine[] {
  const seen = new Set<string>();
  return lines.filter((l) => {
    if (l.expect.kind !== 'emf') return true;
    const doc = JSON.parse(l.expect.emf) as Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions?: string[][]; Metrics: { Name: string }[] }[] } };
    const keys: string[] = [];
    for (const d of doc._aws.CloudWatchMetrics) {
      for (const set of d.Dimensions?.length ? d.Dimensions : [[]]) {
        for (const m of d.Metrics) keys.push(`${d.Namespace}|${m.Name}|${set.map((k) => `${k}=${String(doc[k])}`).join(',')}|${doc._aws.Timestamp}`);
      }
    }
    if (keys.some((k) => seen.has(k))) return false;
    for (const k of keys) seen.add(k);
    return true;
  });
}

/** The fixture log, repeated: each copy later than the one before, every 50 copies in log streams of their own. */
function benchInput(fixture: readonly FixtureLine[], documents: number): InputEvent[] {
  // A production log: valid EMF, application lines and platform lines; invalid documents are rare there (and tested elsewhere).
  const lines = withoutSameInstantSeries(fixture.filter((l) => l.expect.kind !== 'invalid'));
  const emfPerCopy = lines.filter((l) => l.expect.kind === 'emf').length;
  const copies = Math.ceil(documents / emfPerCopy);
  const times = lines.map((l) => l.timestamp);
  const newest = Math.max(...times);
  // Copies never overlap in time (a series may not get two values at one timestamp); the last ends just before now.
  const span = newest - Math.min(...times) + 1;
  const base = Date.now() - 1_000 - copies * span;
  const out: InputEvent[] = [];
  for (let k = 0; k < copies; k++) {
    const delta = base + (k + 1) * span - newest;
    for (const l of lines) {
      out.push({ logGroup: l.logGroup, logStream: `${l.logStream}-${Math.floor(k / 50)}`, timestamp: l.timestamp + delta, message: shiftMessage(l.message, delta) });
    }
  }
  return out;
}

async function runOnce(events: InputEvent[], provider: LocalProvider, shards: number): Promise<Omit<LocalBenchResult, 'provider'>> {
  const started = performance.now();
  const summary = await runLocalPipeline({ events, providers: [provider], env: {}, logger: createMemoryLogger(), shards, flushIntervalMs: 1_000 });
  const seconds = (performance.now() - started) / 1000;
  const p = summary.providers[0]!;
  if (summary.losses.length > 0 || p.delivered !== p.data || p.documents !== summary.forwarder.forwardedDocuments) {
    throw new Error(`local bench lost data into ${provider.name}: ${summary.losses.join('; ') || `${p.delivered} of ${p.data} data points delivered`}`);
  }
  return {
    logEvents: summary.input.logEvents, documents: summary.forwarder.forwardedDocuments, dataPoints: p.delivered, seconds,
    documentsPerSecond: summary.forwarder.forwardedDocuments / seconds, dataPointsPerSecond: p.delivered / seconds,
  };
}

/** Documents per second into the console provider and into a real Prometheus, with zero loss. */
export async function benchLocalPipeline(lines: readonly FixtureLine[], opts: LocalBenchOptions = {}): Promise<LocalBenchResult[]> {
  const shards = opts.shards ?? 2;
  const events = benchInput(lines, opts.documents ?? 20_000);
  const results: LocalBenchResult[] = [];
  results.push({ provider: 'console', ...(await runOnce(events, { name: 'console', provider: new ConsoleProvider({ write: () => undefined }) }, shards)) });
  const prom = await startPrometheus();
  try {
    const provider = await createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: prom.remoteWriteUrl }));
    results.push({ provider: 'prometheus', ...(await runOnce(events, { name: 'prometheus', provider }, shards)) });
  } finally {
    await prom.stop();
  }
  return results;
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Rows for the bench's Markdown table (stage | throughput | candidate ms | lower bound ms | candidate CPU ms | lower bound CPU ms | ratio | range | target). */
export function localBenchRows(results: readonly LocalBenchResult[]): string[] {
  return results.map((r) =>
    `| npm start pipeline → ${r.provider} (${fmt(r.logEvents)} log events, ${fmt(r.documents)} documents, ${fmt(r.dataPoints)} data points, zero loss) | ${fmt(r.documentsPerSecond)} documents/s, ${fmt(r.dataPointsPerSecond)} data points/s | ${fmt(r.seconds * 1000, 1)} | | | | | | |`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const documents = Number(process.argv[2] ?? 20_000);
  const results = await benchLocalPipeline(await getFixtureLines(), { documents });
  process.stdout.write(`${localBenchRows(results).join('\n')}\n`);
}

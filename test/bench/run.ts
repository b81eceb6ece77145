/**
 * `npm run bench`: every stage as a ratio to a lower bound measured in the same run.
 * Prints a Markdown table (pasted into README "Performance").
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFixtureLines } from '../fixtures/generate.ts';
import { buildBatches } from './corpus.ts';
import { benchForwarder } from './forwarder.ts';
import { benchPrometheus, consumerRecords, type ConsumerBench } from './consumers.ts';
import { benchLocalPipeline, localBenchRows } from './local.ts';
import { benchStatsd } from './statsd.ts';

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  const lines = await generateFixtureLines();
  const batches = buildBatches(lines, { batches: 10, eventsPerBatch: 2_000 });
  const rows: string[] = [];
  rows.push('| stage | throughput | candidate ms | lower bound ms | ratio | target |', '|---|---|---|---|---|---|');

  const forwarderCases = [
    { compression: 'gzip', platformMetrics: true },
    { compression: 'none', platformMetrics: true },
    { compression: 'none', platformMetrics: false },
  ] as const;
  for (const opts of forwarderCases) {
    const f = benchForwarder(batches, opts);
    rows.push(`| forwarder, RECORD_COMPRESSION=${opts.compression}, PLATFORM_METRICS=${opts.platformMetrics} (${fmt(f.events)} events, ${fmt(f.documents)} documents) | ${fmt(f.eventsPerSecond)} events/s, ${fmt(f.decompressedMBps, 1)} MB/s decompressed | ${fmt(f.candidateMs, 1)} | ${fmt(f.lowerBoundMs, 1)} | ${fmt(f.ratio, 2)}× | ≤ 1.3× |`);
  }

  const consumerRow = (b: ConsumerBench) =>
    `| ${b.name}, records ${b.compression} (${fmt(b.data)} data → ${fmt(b.units)} ${b.unitName}) | ${fmt(b.unitsPerSecond)} ${b.unitName}/s | ${fmt(b.candidateMs, 1)} | ${fmt(b.lowerBoundMs, 1)} | ${fmt(b.ratio, 2)}× | ≤ 2× |`;
  for (const compression of ['none', 'gzip'] as const) {
    const records = consumerRecords(batches, compression);
    rows.push(consumerRow(benchPrometheus(records, compression)));
    rows.push(consumerRow(benchStatsd(records, compression)));
  }

  // Peak RSS on the largest batch, in a child process of its own.
  const [big] = buildBatches(lines, { batches: 1, eventsPerBatch: 10_000 });
  const dir = mkdtempSync(join(tmpdir(), 'emf-bench-'));
  const file = join(dir, 'batch.json');
  writeFileSync(file, JSON.stringify(big));
  const rss = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'rss.ts'), file], { encoding: 'utf8' })) as { baselineRssBytes: number; peakRssBytes: number };
  rows.push(`| forwarder peak RSS, one batch of ${fmt(big!.events)} events (${fmt(big!.decompressedBytes / 1e6, 1)} MB decompressed) | ${fmt(rss.peakRssBytes / 1048576)} MiB peak (${fmt(rss.baselineRssBytes / 1048576)} MiB before the batch) | | | | |`);

  // End to end through npm start's pipeline (kinesalite, ESM emulator, consumers) into the console and a real Prometheus.
  rows.push(...localBenchRows(await benchLocalPipeline(lines)));

  process.stdout.write(`\nemf-fanout bench — node ${process.version}, ${process.arch}\n\n${rows.join('\n')}\n`);
}

await main();

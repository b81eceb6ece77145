/**
 * Consumer throughput without network: Kinesis event records (the forwarder's real output for the
 * bench corpus) → decode → translate → wire format, against the lower bound base64 decode (+ gunzip or
 * brotli decompression when the records are compressed) + JSON.parse of the same records.
 * Prometheus is measured in both modes (`PROM_RW_MODE`), against the same lower bound.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { DEFAULT_RECORD_TARGET_BYTES } from '../../functions/forwarder/config.ts';
import { extractDocuments } from '../../functions/forwarder/extract.ts';
import { packDocuments } from '../../functions/forwarder/pack.ts';
import { DEFAULT_TRANSLATE_OPTIONS, type Mode } from '../../functions/consumers/prometheus/config.ts';
import { CumulativeState } from '../../functions/consumers/prometheus/CumulativeState.ts';
import { newPending } from '../../functions/consumers/prometheus/cumulativeSeries.ts';
import type { PlannedWriteRequest } from '../../functions/consumers/prometheus/splitRequests.ts';
import { encodeWriteRequest } from '../../functions/consumers/prometheus/writeRequest.ts';
import { createTranslator, type Translator } from '../../functions/consumers/prometheus/translate.ts';
import { decodeSubscriptionEvent } from '../../shared/cloudwatch/subscription.ts';
import { ChunkStream } from '../../shared/consumer/ChunkStream.ts';
import { isStatisticSet, type MetricData, type MetricValue } from '../../shared/consumer/types.ts';
import { kinesisEventFromRecords } from '../../shared/consumer/testing/kinesisEvent.ts';
import type { RecordCompression } from '../../shared/record/format.ts';
import { Tally } from '../../shared/tally.ts';
import type { BenchBatch } from './corpus.ts';
import { compare, type Comparison } from './measure.ts';

/** The records the forwarder writes for the corpus, as a Lambda Kinesis event delivers them (by default at the forwarder's record target for `compression`). */
export function consumerRecords(batches: readonly BenchBatch[], compression: RecordCompression, targetBytes = DEFAULT_RECORD_TARGET_BYTES[compression]): KinesisStreamRecord[] {
  const data: Buffer[] = [];
  for (const b of batches) {
    const p = decodeSubscriptionEvent(b.event, 64 << 20);
    const x = extractDocuments(p.logGroup, p.logEvents, { platformMetrics: true, platformNamespace: 'EmfFanout/Lambda' });
    const packed = packDocuments({ owner: p.owner, region: 'eu-west-1', logGroup: p.logGroup, logStream: p.logStream }, x.documents, {
      compression, targetBytes, maxRecordBytes: 1_048_576,
    });
    for (const r of packed.records) data.push(r.data);
  }
  return kinesisEventFromRecords(data).Records;
}

/** Decodes the records into chunks of at most `maxBatch` data exactly as `createConsumerHandler` does, handing each to `use`. */
export function forEachChunk(records: readonly KinesisStreamRecord[], maxBatch: number, use: (chunk: MetricData) => void): number {
  const issues = { dropped: new Tally(), warnings: new Tally() };
  const stream = new ChunkStream(records, maxBatch, issues, {});
  for (let chunk = stream.next(); chunk !== undefined; chunk = stream.next()) use(chunk);
  if (issues.dropped.total > 0) throw new Error(`bench records dropped data: ${JSON.stringify(issues.dropped.counts)}`);
  return stream.decoded;
}

export function recordsLowerBound(records: readonly KinesisStreamRecord[]): number {
  let n = 0;
  for (const r of records) {
    let bytes = Buffer.from(r.kinesis.data, 'base64');
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    else if (bytes[0] === 0) bytes = brotliDecompressSync(bytes.subarray(4));
    n += (JSON.parse(bytes.toString('utf8')) as { documents: unknown[] }).documents.length;
  }
  return n;
}

export interface ConsumerBench extends Comparison {
  name: string;
  compression: RecordCompression;
  data: number;
  units: number;
  unitName: string;
  unitsPerSecond: number;
}

export interface PrometheusBench extends ConsumerBench {
  mode: Mode;
  /** Observed values in the data (see `observationsOf`): `units` per observation is the samples each mode writes. */
  observations: number;
}

/** The observed values of one datum: a number is one, an array its length, a statistic set its sample count. */
export function observationsOf(v: MetricValue): number {
  return typeof v === 'number' ? 1 : isStatisticSet(v) ? v.count : v.length;
}

/** The handler's chunk size for Prometheus (PROM_RW_BATCH_SIZE's default). */
const PROM_CHUNK = 10_000;

/** The writer clock of the cumulative runs (fixed: a run's samples do not depend on when it ran). */
const BENCH_NOW = 1_763_900_000_000;

/** Encodes every request (protobuf → snappy) as the provider does before each POST. */
function encodeAll(requests: readonly PlannedWriteRequest[]): void {
  for (const r of requests) encodeWriteRequest(r.request);
}

/** `PROM_RW_MODE=samples`: what `send` does per chunk, without the POST (translate, encode). Returns the samples written. */
function samplesOnce(records: readonly KinesisStreamRecord[], translator: Translator): number {
  let samples = 0;
  forEachChunk(records, PROM_CHUNK, (c) => {
    const t = translator.translate(c);
    samples += t.samples;
    encodeAll(t.requests);
  });
  return samples;
}

/**
 * `PROM_RW_MODE=cumulative`: one invocation of a cold container, the whole corpus as one Kinesis batch, as
 * `cumulativeProvider` runs it without the POST: every chunk accumulated by `send`, then one `flush` that
 * plans, encodes, settles every request as accepted and commits. A fresh state per run, so every run writes
 * the `0` samples of new series. Returns the samples of the flush's requests.
 */
function cumulativeOnce(records: readonly KinesisStreamRecord[], translator: Translator): number {
  const state = new CumulativeState(translator, { ...DEFAULT_TRANSLATE_OPTIONS.cumulative, now: () => BENCH_NOW });
  const pending = newPending();
  forEachChunk(records, PROM_CHUNK, (c) => state.accumulate(pending, c));
  const plan = state.plan(pending, translator.options);
  encodeAll(plan.requests);
  state.settle(pending, plan, plan.requests.map(() => 'accepted'));
  const dropped = state.commit(pending);
  if (Object.keys(dropped).length > 0) throw new Error(`bench cumulative flush dropped data: ${JSON.stringify(dropped)}`);
  return plan.samples;
}

/** Prometheus in `mode`: decode → translate (samples) or accumulate and flush (cumulative) → protobuf → snappy, chunked as the handler chunks. */
export function benchPrometheus(records: readonly KinesisStreamRecord[], compression: RecordCompression, mode: Mode): PrometheusBench {
  // The name caches of a warm container; the cumulative state is each run's own (see `cumulativeOnce`).
  const translator = createTranslator({ mode });
  const once = mode === 'samples' ? samplesOnce : cumulativeOnce;
  const samples = once(records, translator);
  let observations = 0;
  const data = forEachChunk(records, PROM_CHUNK, (c) => c.forEach((d) => void (observations += observationsOf(d.value))));
  const c = compare(() => void once(records, translator), () => void recordsLowerBound(records));
  return {
    ...c, name: `prometheus remote write, PROM_RW_MODE=${mode}`, mode, compression, data, observations,
    units: samples, unitName: 'samples', unitsPerSecond: samples / (c.candidateMs / 1000),
  };
}

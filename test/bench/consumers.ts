/**
 * Consumer throughput without network: Kinesis event records (the forwarder's real output for the
 * bench corpus) → decode → translate → wire format, against the lower bound base64 decode (+ gunzip or
 * brotli decompression when the records are compressed) + JSON.parse of the same records.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { DEFAULT_RECORD_TARGET_BYTES } from '../../functions/forwarder/config.ts';
import { extractDocuments } from '../../functions/forwarder/extract.ts';
import { packDocuments } from '../../functions/forwarder/pack.ts';
import { encodeWriteRequest } from '../../functions/consumers/prometheus/writeRequest.ts';
import { createTranslator } from '../../functions/consumers/prometheus/translate.ts';
import { decodeSubscriptionEvent } from '../../shared/cloudwatch/subscription.ts';
import { ChunkStream } from '../../shared/consumer/batch.ts';
import type { MetricData } from '../../shared/consumer/types.ts';
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

/** Prometheus: decode → translate → protobuf → snappy, chunked as the handler chunks (PROM_RW_BATCH_SIZE). */
export function benchPrometheus(records: readonly KinesisStreamRecord[], compression: RecordCompression): ConsumerBench {
  const translator = createTranslator();
  const chunk = 10_000;
  let samples = 0;
  const run = (): void => {
    samples = 0;
    forEachChunk(records, chunk, (c) => {
      const t = translator.translate(c);
      samples += t.samples;
      for (const r of t.requests) encodeWriteRequest(r.request);
    });
  };
  run();
  const data = forEachChunk(records, chunk, () => undefined);
  const c = compare(run, () => void recordsLowerBound(records));
  return { ...c, name: 'prometheus remote write', compression, data, units: samples, unitName: 'samples', unitsPerSecond: samples / (c.candidateMs / 1000) };
}

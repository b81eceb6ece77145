/**
 * Forwarder throughput without network: decode → detect/validate/platform → pack (the records a
 * PutRecords call would carry), against the lower bound gunzip + parse of the envelope + JSON.parse(each EMF).
 *
 * The lower bound parses the envelope with `parsePayloadJson`, the fastest exact parse known here (the value of
 * `JSON.parse`, read in 64 KiB pieces): one `JSON.parse` of the whole multi-megabyte text is slower, on Node 22
 * by far (V8's large-object pages), and a bound the forwarder beats would not be a floor.
 */
import { gunzipSync } from 'node:zlib';
import { parsePayloadJson } from '../../shared/cloudwatch/payloadJson.ts';
import { DEFAULT_RECORD_TARGET_BYTES } from '../../functions/forwarder/config.ts';
import { extractDocuments } from '../../functions/forwarder/extract.ts';
import { packDocuments } from '../../functions/forwarder/pack.ts';
import { decodeSubscriptionEvent } from '../../shared/cloudwatch/subscription.ts';
import type { RecordCompression } from '../../shared/record/format.ts';
import type { BenchBatch } from './corpus.ts';
import { compare, type Comparison } from './measure.ts';

export interface ForwarderOptions {
  compression: RecordCompression;
  platformMetrics: boolean;
}

/** The configurations both benches measure (`npm run bench`, `npm run bench:instructions`); the first is the default. */
export const FORWARDER_CASES: readonly ForwarderOptions[] = [
  { compression: 'brotli', platformMetrics: true },
  { compression: 'gzip', platformMetrics: true },
  { compression: 'none', platformMetrics: true },
  { compression: 'brotli', platformMetrics: false },
  { compression: 'none', platformMetrics: false },
];

export interface ForwarderBench extends Comparison, ForwarderOptions {
  events: number;
  eventsPerSecond: number;
  decompressedMBps: number;
  documents: number;
}

export function forwarderOnce(batches: readonly BenchBatch[], { compression, platformMetrics }: ForwarderOptions): number {
  let docs = 0;
  for (const b of batches) {
    const p = decodeSubscriptionEvent(b.event, 64 << 20);
    const x = extractDocuments(p.logGroup, p.logEvents, { platformMetrics, platformNamespace: 'EmfFanout/Lambda' });
    const packed = packDocuments({ owner: p.owner, region: 'eu-west-1', logGroup: p.logGroup, logStream: p.logStream }, x.documents, {
      compression, targetBytes: DEFAULT_RECORD_TARGET_BYTES[compression], maxRecordBytes: 1_048_576,
    });
    docs += packed.records.reduce((n, r) => n + r.documents, 0);
  }
  return docs;
}

export function lowerBoundOnce(batches: readonly BenchBatch[]): number {
  let n = 0;
  for (const b of batches) {
    const p = parsePayloadJson(gunzipSync(Buffer.from(b.event.awslogs.data, 'base64'))) as { logEvents: { message: string }[] };
    for (const e of b.emf) {
      const m = p.logEvents[e.index]!.message;
      n += Object.keys(JSON.parse(m.slice(m.indexOf('{')))).length > 0 ? 1 : 0;
    }
  }
  return n;
}

export function benchForwarder(batches: readonly BenchBatch[], opts: ForwarderOptions): ForwarderBench {
  const events = batches.reduce((n, b) => n + b.events, 0);
  const bytes = batches.reduce((n, b) => n + b.decompressedBytes, 0);
  const documents = forwarderOnce(batches, opts);
  const expected = lowerBoundOnce(batches);
  if (documents < expected) throw new Error(`forwarder forwarded ${documents} documents, fewer than the ${expected} EMF documents of the corpus`);
  const c = compare(() => void forwarderOnce(batches, opts), () => void lowerBoundOnce(batches));
  return {
    ...c, ...opts, events, documents,
    eventsPerSecond: events / (c.candidateMs / 1000),
    decompressedMBps: bytes / 1e6 / (c.candidateMs / 1000),
  };
}

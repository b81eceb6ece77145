/**
 * Test batches for the provider contract: EMF documents packed in real format-v1 records, and,
 * built independently from the same description (not by the decoder under test), the data a
 * correct consumer must deliver for each record.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import type { EmfUnit, StorageResolution } from '../../emf/constants.ts';
import type { MetricDatum, MetricValue } from '../types.ts';
import { kinesisEventFromRecords, recordData } from './kinesisEvent.ts';
import { RECORD_COMPRESSIONS } from '../../record/format.ts';

export type ValueShape = 'number' | 'array' | 'statistics';

export interface ContractBatch {
  event: KinesisStreamEvent;
  /** `expected[i]`: the data record `i` must produce, in order. */
  expected: MetricDatum[][];
}

export interface ContractBatchSpec {
  /** Unique per scenario and run, so an external receiver's earlier data never match. */
  tag: string;
  records: number;
  docsPerRecord: number;
  metricsPerDoc: number;
  shapes: readonly ValueShape[];
  /** Indexes of records replaced by undecodable data (garbage after a gzip header). */
  corrupt?: readonly number[];
  /**
   * Indexes of records whose first document has its `detail` property nested 20,000 levels deep (an
   * array of arrays), as another producer may write it: `JSON.parse` reads it, `JSON.stringify` cannot
   * write it back. The expected data of that document keep `detail` as the marker `DEEP_PROPERTY`.
   */
  deepProperty?: readonly number[];
}

/** Stands for the 20,000-deep `detail` property in the expected data (see `ContractBatchSpec.deepProperty`). */
export const DEEP_PROPERTY = 'deep property (20,000 nested arrays)';
const DEEP_TEXT = '['.repeat(20_000) + ']'.repeat(20_000);

const NAMESPACE = 'EmfFanoutContract';
const CONTEXT = { owner: '123456789012', region: 'eu-west-1', logGroup: '/aws/lambda/contract', logStream: '2025/01/01/[$LATEST]contract' };

function valueFor(shape: ValueShape, seed: number): { raw: unknown; value: MetricValue } {
  switch (shape) {
    case 'number':
      return { raw: seed, value: seed };
    case 'array':
      return { raw: [seed, seed + 0.5, seed], value: [seed, seed + 0.5, seed] };
    case 'statistics':
      return {
        raw: { Values: [seed, seed * 2], Counts: [2, 1], Sum: seed * 4, Min: seed, Max: seed * 2, Count: 99 },
        // CloudWatch takes the sample count from sum(Counts) and ignores Count.
        value: { sum: seed * 4, min: seed, max: seed * 2, count: 3, values: [seed, seed * 2], counts: [2, 1] },
      };
  }
}

const UNITS: readonly EmfUnit[] = ['Count', 'Milliseconds', 'None'];

/** Builds the event and the expected data; every metric name contains `tag`. */
export function contractBatch(spec: ContractBatchSpec): ContractBatch {
  const base = Date.now() - 5_000;
  const data: Buffer[] = [];
  const expected: MetricDatum[][] = [];
  let seq = 0;
  for (let r = 0; r < spec.records; r++) {
    if (spec.corrupt?.includes(r)) {
      data.push(Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from(`not gzip ${r}`)]));
      expected.push([]);
      continue;
    }
    const docs = [];
    const recordExpected: MetricDatum[] = [];
    for (let d = 0; d < spec.docsPerRecord; d++) {
      const timestamp = base + seq;
      const eventId = `${spec.tag}-${r}-${d}`;
      const dimensions = { Service: 'contract', Run: spec.tag };
      const deepHere = d === 0 && spec.deepProperty?.includes(r) === true;
      const properties = { requestId: `req-${r}-${d}`, detail: deepHere ? DEEP_PROPERTY : { record: r, doc: d } };
      const metrics: { Name: string; Unit?: EmfUnit; StorageResolution?: StorageResolution }[] = [];
      const members: Record<string, unknown> = {};
      for (let m = 0; m < spec.metricsPerDoc; m++) {
        const shape = spec.shapes[seq % spec.shapes.length]!;
        const name = `${spec.tag}_r${r}_d${d}_m${m}`;
        const unit = UNITS[seq % UNITS.length]!;
        const storageResolution: StorageResolution = seq % 4 === 3 ? 1 : 60;
        const { raw, value } = valueFor(shape, 1 + seq);
        metrics.push({ Name: name, ...(unit === 'None' ? {} : { Unit: unit }), ...(storageResolution === 1 ? { StorageResolution: 1 as const } : {}) });
        members[name] = raw;
        recordExpected.push({
          namespace: NAMESPACE,
          name,
          unit,
          storageResolution,
          timestamp,
          value,
          dimensions,
          directiveDimensions: dimensions,
          properties,
          source: { account: CONTEXT.owner, region: CONTEXT.region, logGroup: CONTEXT.logGroup, logStream: CONTEXT.logStream, eventId, origin: 'emf' },
        });
        seq++;
      }
      const emf = {
        _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: NAMESPACE, Dimensions: [['Service', 'Run']], Metrics: metrics }] },
        ...dimensions,
        ...properties,
        ...members,
      };
      docs.push({ id: eventId, timestamp, emf: deepHere ? JSON.stringify(emf).replace(JSON.stringify(DEEP_PROPERTY), DEEP_TEXT) : emf });
    }
    // Every compression in turn (brotli, gzip, none): all are valid format v1.
    data.push(recordData(docs, CONTEXT, RECORD_COMPRESSIONS[r % RECORD_COMPRESSIONS.length]!));
    expected.push(recordExpected);
  }
  return { event: kinesisEventFromRecords(data), expected };
}

/** A default receiver key: everything a provider must carry (name, dimensions, timestamp, value). */
export function datumKey(d: MetricDatum): string {
  return JSON.stringify([d.namespace, d.name, d.dimensions, d.timestamp, d.value]);
}

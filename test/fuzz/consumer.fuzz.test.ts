/**
 * Property-based test: whatever a Kinesis record holds (raw bytes, or bytes behind the gzip or brotli
 * marker, or a compressed JSON value), the consumer's decoder either decodes it or counts it under one of
 * its documented reasons. It never throws.
 */
import { brotliCompressSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { fuzzRuns } from '../helpers/fuzzRuns.ts';
import { describe, expect, it } from 'vitest';
import { decodeKinesisRecord } from '../../shared/consumer/decode.ts';
import { DROP_REASONS } from '../../shared/consumer/reasons.ts';
import { kinesisEventFromRecords } from '../../shared/consumer/testing/kinesisEvent.ts';
import { BROTLI_MAGIC } from '../../shared/record/format.ts';
import { Tally } from '../../shared/tally.ts';

const framed = (bytes: Uint8Array, frame: 'raw' | 'gzip-marker' | 'brotli-marker' | 'gzip' | 'brotli'): Buffer => {
  switch (frame) {
    case 'raw': return Buffer.from(bytes);
    case 'gzip-marker': return Buffer.concat([Buffer.from([0x1f, 0x8b]), bytes]);
    case 'brotli-marker': return Buffer.concat([Buffer.from(BROTLI_MAGIC), bytes]);
    case 'gzip': return gzipSync(bytes);
    case 'brotli': return Buffer.concat([Buffer.from(BROTLI_MAGIC), brotliCompressSync(bytes)]);
  }
};

const record = (v: fc.Arbitrary<unknown>) => fc.record({ v, owner: fc.string(), region: fc.string(), logGroup: fc.string(), logStream: fc.string(), documents: fc.array(fc.jsonValue(), { maxLength: 3 }) });

describe('consumer record decoding under arbitrary input', () => {
  it('arbitrary bytes or JSON, raw, compressed or behind a compression marker, are decoded or counted under a documented reason', () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      record(fc.oneof(fc.constant(1), fc.jsonValue())).map((r) => Buffer.from(JSON.stringify(r))),
    );
    fc.assert(fc.property(payload, fc.constantFrom('raw', 'gzip-marker', 'brotli-marker', 'gzip', 'brotli'), (bytes, frame) => {
      const issues = { dropped: new Tally(), warnings: new Tally() };
      const out = decodeKinesisRecord(kinesisEventFromRecords([framed(bytes, frame)]).Records[0]!, issues, { maxBytes: 100_000 });
      const reasons = Object.keys(issues.dropped.counts);
      for (const r of reasons) expect(Object.hasOwn(DROP_REASONS, r), r).toBe(true);
      if (!out.decoded) {
        expect(reasons).toHaveLength(1);
        expect(DROP_REASONS[reasons[0] as keyof typeof DROP_REASONS]).toBe('record');
      }
    }), { numRuns: fuzzRuns(2_000) });
  });
});

/** A JSON text nested `depth` levels (arrays or objects), beyond what JSON.stringify can write back. */
const nested = fc.tuple(fc.integer({ min: 1, max: 30_000 }), fc.boolean()).map(([depth, objects]) => (objects ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth)));

describe('consumer documents with hostile members', () => {
  it('a value of any depth in any place of an EMF document: the record decodes, the document is delivered or counted, nothing throws, examples stay short', () => {
    const slots = ['Timestamp', 'Unit', 'StorageResolution', 'Name', 'DimensionKey', 'DimensionValue', 'MetricValue', 'Property', 'Directive', 'Namespace'] as const;
    fc.assert(fc.property(fc.constantFrom(...slots), nested, fc.constantFrom('__proto__', 'constructor', 'Service', 'toString'), (slot, value, key) => {
      const at = (s: (typeof slots)[number], normal: string) => (slot === s ? value : normal);
      const emf = `{"_aws":{"Timestamp":${at('Timestamp', '1763900000000')},"CloudWatchMetrics":[${at('Directive', `{"Namespace":${at('Namespace', '"N"')},"Dimensions":[[${at('DimensionKey', JSON.stringify(key))}]],"Metrics":[{"Name":${at('Name', '"M"')},"Unit":${at('Unit', '"Count"')},"StorageResolution":${at('StorageResolution', '60')}}]}`)}]},${JSON.stringify(key)}:${at('DimensionValue', '"v"')},"M":${at('MetricValue', '1')},"p":${at('Property', '"x"')}}`;
      const data = Buffer.from(JSON.stringify({ v: 1, owner: '1', region: 'r', logGroup: 'g', logStream: 's', documents: [{ id: 'e', timestamp: 1, origin: 'emf', emf: '__EMF__' }] }).replace('"__EMF__"', emf));
      const issues = { dropped: new Tally(), warnings: new Tally() };
      const out = decodeKinesisRecord(kinesisEventFromRecords([data]).Records[0]!, issues);
      expect(out.decoded).toBe(true);
      expect(out.documents).toBe(1);
      // Delivered (possibly changed, with a warning) or counted under a documented reason.
      for (const r of Object.keys(issues.dropped.counts)) expect(Object.hasOwn(DROP_REASONS, r), r).toBe(true);
      expect(out.data.length + issues.dropped.total).toBeGreaterThan(0);
      for (const e of [...Object.values(issues.dropped.examples), ...Object.values(issues.warnings.examples)]) expect(e.length).toBeLessThanOrEqual(301);
    }), { numRuns: fuzzRuns(300) });
  });
});

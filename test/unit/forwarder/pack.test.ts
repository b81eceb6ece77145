import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { describe, expect, it } from 'vitest';
import { packDocuments, partitionKeyFor, type PackOptions } from '../../../functions/forwarder/pack.ts';
import {
  decodeRecord, encodeRecord, recordCompressionOf, RECORD_COMPRESSIONS, recordHeader, RECORD_TRAILER,
  serialiseDocument, type ForwardedDocument, type RecordContext,
} from '../../../shared/record/format.ts';
import { recordDocumentTexts } from '../../../shared/record/documentTexts.ts';

/** The documents of a record as the forwarder wrote them: context from the decoder, text recovered verbatim. */
const written = (data: Buffer): ForwardedDocument[] => {
  const texts = recordDocumentTexts(data);
  return decodeRecord(data).documents.map((d, i) => ({ id: d.id, timestamp: d.timestamp, origin: d.origin, emf: texts[i]! }));
};

const ctx = { owner: '123456789012', region: 'eu-west-1', logGroup: '/aws/lambda/orders', logStream: '2026/11/23/[$LATEST]abc' };
const doc = (i: number, pad = 0): ForwardedDocument => ({
  id: String(10n ** 55n + BigInt(i)), timestamp: 1_763_900_000_000 + i, origin: 'emf',
  emf: JSON.stringify({ _aws: { Timestamp: 1_763_900_000_000 + i, CloudWatchMetrics: [] }, i, pad: 'p'.repeat(pad) }),
});

describe('packDocuments', () => {
  it('packs many documents per record, in order, losslessly, under the target', () => {
    const docs = Array.from({ length: 1000 }, (_, i) => doc(i, 50));
    for (const compression of RECORD_COMPRESSIONS) {
      const { records, oversized } = packDocuments(ctx, docs, { compression, targetBytes: 16_384, maxRecordBytes: 1_048_576 });
      for (const r of records) expect(recordCompressionOf(r.data)).toBe(compression);
      expect(oversized).toEqual([]);
      expect(records.length).toBeGreaterThan(1);
      expect(records.length).toBeLessThan(100);
      const back = records.flatMap((r) => {
        const rec = decodeRecord(r.data);
        expect(rec).toMatchObject({ v: 1, ...ctx });
        expect(rec.documents.length).toBe(r.documents);
        if (compression === 'none') expect(r.data.length).toBeLessThanOrEqual(16_384 + 200);
        return written(r.data);
      });
      expect(back).toEqual(docs);
    }
  });

  it('keeps the 1 MiB record limit (data + partition key): a lone document too large is reported', () => {
    const big = doc(1, 1_048_576 - 300); // fits the EMF limit but not one record with its context, uncompressed
    const { records, oversized } = packDocuments(ctx, [doc(0), big, doc(2)], { compression: 'none', targetBytes: 262_144, maxRecordBytes: 1_048_576 });
    expect(oversized).toEqual([big]);
    expect(records.map((r) => decodeRecord(r.data).documents.map((d) => d.id))).toEqual([[doc(0).id], [doc(2).id]]);
    for (const r of records) expect(r.data.length + Buffer.byteLength(r.partitionKey)).toBeLessThanOrEqual(1_048_576);
    // The same document compresses into a record.
    for (const compression of ['brotli', 'gzip'] as const) {
      const packed = packDocuments(ctx, [big], { compression, targetBytes: 262_144, maxRecordBytes: 1_048_576 });
      expect(packed.oversized).toEqual([]);
      expect(written(packed.records[0]!.data)).toEqual([big]);
    }
  });

  it('splits a record that even compressed is over the limit', () => {
    const random = (n: number) => Array.from({ length: n }, () => Math.random().toString(36).slice(2)).join('');
    const docs = Array.from({ length: 8 }, (_, i) => ({ ...doc(i), emf: JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [] }, r: random(20_000) }) }));
    for (const compression of ['brotli', 'gzip'] as const) {
      const { records, oversized } = packDocuments(ctx, docs, { compression, targetBytes: 10_000_000, maxRecordBytes: 1_048_576 });
      expect(oversized).toEqual([]);
      expect(records.length).toBeGreaterThan(1);
      for (const r of records) expect(r.data.length + Buffer.byteLength(r.partitionKey)).toBeLessThanOrEqual(1_048_576);
      expect(records.flatMap((r) => written(r.data))).toEqual(docs);
    }
  });

  it('uses one partition key per log stream, hashed when longer than 256 characters', () => {
    expect(partitionKeyFor(ctx)).toBe('/aws/lambda/orders|2026/11/23/[$LATEST]abc');
    const long = partitionKeyFor({ logGroup: 'g'.repeat(300), logStream: 's' });
    expect(long).toMatch(/^[0-9a-f]{64}$/);
    expect(partitionKeyFor({ logGroup: 'g'.repeat(300), logStream: 't' })).not.toBe(long);
  });
});

describe('packDocuments writes the bytes of the string encoding', () => {
  // The reference: every document serialised to a string, joined, encoded (what pack.ts did before RecordEncoder).
  const reference = (c: RecordContext, docs: readonly ForwardedDocument[], opts: PackOptions) => {
    const out: { data: Buffer; documents: number }[] = [];
    const oversized: ForwardedDocument[] = [];
    const emit = (items: { doc: ForwardedDocument; text: string }[]): void => {
      const data = encodeRecord(c, items.map((i) => i.text), opts.compression);
      if (data.length + Buffer.byteLength(partitionKeyFor(c)) <= opts.maxRecordBytes) out.push({ data, documents: items.length });
      else if (items.length === 1) oversized.push(items[0]!.doc);
      else { const half = Math.ceil(items.length / 2); emit(items.slice(0, half)); emit(items.slice(half)); }
    };
    const base = Buffer.byteLength(recordHeader(c)) + RECORD_TRAILER.length;
    let current: { doc: ForwardedDocument; text: string }[] = [];
    let bytes = base;
    for (const doc of docs) {
      const text = serialiseDocument(doc);
      const size = Buffer.byteLength(text) + (current.length > 0 ? 1 : 0);
      if (current.length > 0 && bytes + size > opts.targetBytes) { emit(current); current = []; bytes = base; }
      current.push({ doc, text });
      bytes += current.length > 1 ? size : Buffer.byteLength(text);
    }
    if (current.length > 0) emit(current);
    return { out, oversized };
  };
  const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 10 }), fc.constantFrom('\ud800', 'é"\\\u0001'));
  const anyDoc = fc.record({
    id: fc.oneof({ arbitrary: fc.stringMatching(/^\d{56}$/), weight: 4 }, text),
    timestamp: fc.oneof({ arbitrary: fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }), weight: 4 }, fc.maxSafeNat(), fc.nat(), fc.double(), fc.constantFrom(0, -0, -1, 2 ** 53, 2 ** 53 - 1, 1e21, 9)),
    origin: fc.oneof({ arbitrary: fc.constantFrom('emf', 'platform'), weight: 8 }, text) as fc.Arbitrary<ForwardedDocument['origin']>,
    // Not necessarily JSON: the encoder must copy whatever it is given, like the string encoding.
    emf: fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v) ?? '{}'), text, fc.string({ maxLength: 3000 })),
  });
  const context = fc.record({ owner: fc.constantFrom('123456789012'), region: fc.constantFrom('eu-west-1'), logGroup: fc.oneof(fc.constant('/aws/lambda/f'), text), logStream: text });

  it('for any documents: the same records, byte for byte, split at the same places', () => {
    fc.assert(fc.property(context, fc.array(anyDoc, { maxLength: 40 }), fc.constantFrom(...RECORD_COMPRESSIONS), fc.integer({ min: 100, max: 20_000 }), fc.integer({ min: 300, max: 40_000 }),
      (c, docs, compression, targetBytes, maxRecordBytes) => {
        const opts = { compression, targetBytes, maxRecordBytes } as const;
        const got = packDocuments(c, docs, opts);
        const want = reference(c, docs, opts);
        expect(got.oversized).toEqual(want.oversized);
        expect(got.records.map((r) => r.documents)).toEqual(want.out.map((r) => r.documents));
        got.records.forEach((r, i) => expect(r.data.equals(want.out[i]!.data)).toBe(true));
      }), { numRuns: fuzzRuns(1500) });
  });

  it('grows its buffer for a large document, then packs the next batch as before', () => {
    const big = doc(1, 3_000_000);
    const docs = [doc(0), { ...big, emf: String(big.emf).replace('"pad":"p', '"pad":"é') }, doc(2)];
    const opts = { compression: 'none', targetBytes: 262_144, maxRecordBytes: 8_000_000 } as const;
    const got = packDocuments(ctx, docs, opts);
    const want = reference(ctx, docs, opts);
    got.records.forEach((r, i) => expect(r.data.equals(want.out[i]!.data)).toBe(true));
    const small = Array.from({ length: 50 }, (_, i) => doc(i, 10));
    expect(packDocuments(ctx, small, opts).records[0]!.data.equals(reference(ctx, small, opts).out[0]!.data)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { packDocuments, partitionKeyFor } from '../../../functions/forwarder/pack.ts';
import { planCalls, PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_ENTRIES } from '../../../functions/forwarder/writeRecords.ts';
import { decodeRecord, recordDocumentTexts, type ForwardedDocument } from '../../../shared/record/format.ts';

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
    for (const compression of ['gzip', 'none'] as const) {
      const { records, oversized } = packDocuments(ctx, docs, { compression, targetBytes: 16_384, maxRecordBytes: 1_048_576 });
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
    const gz = packDocuments(ctx, [big], { compression: 'gzip', targetBytes: 262_144, maxRecordBytes: 1_048_576 });
    expect(gz.oversized).toEqual([]);
  });

  it('splits a record that even compressed is over the limit', () => {
    const random = (n: number) => Array.from({ length: n }, () => Math.random().toString(36).slice(2)).join('');
    const docs = Array.from({ length: 8 }, (_, i) => ({ ...doc(i), emf: JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [] }, r: random(20_000) }) }));
    const { records, oversized } = packDocuments(ctx, docs, { compression: 'gzip', targetBytes: 10_000_000, maxRecordBytes: 1_048_576 });
    expect(oversized).toEqual([]);
    expect(records.length).toBeGreaterThan(1);
    for (const r of records) expect(r.data.length + Buffer.byteLength(r.partitionKey)).toBeLessThanOrEqual(1_048_576);
    expect(records.flatMap((r) => written(r.data))).toEqual(docs);
  });

  it('uses one partition key per log stream, hashed when longer than 256 characters', () => {
    expect(partitionKeyFor(ctx)).toBe('/aws/lambda/orders|2026/11/23/[$LATEST]abc');
    const long = partitionKeyFor({ logGroup: 'g'.repeat(300), logStream: 's' });
    expect(long).toMatch(/^[0-9a-f]{64}$/);
    expect(partitionKeyFor({ logGroup: 'g'.repeat(300), logStream: 't' })).not.toBe(long);
  });
});

describe('planCalls (PutRecords limits)', () => {
  const rec = (bytes: number) => ({ data: Buffer.alloc(bytes), partitionKey: 'k', documents: 1 });
  it('puts at most 500 records in a call', () => {
    const calls = planCalls(Array.from({ length: 1001 }, () => rec(10)));
    expect(calls.map((c) => c.length)).toEqual([PUT_RECORDS_MAX_ENTRIES, PUT_RECORDS_MAX_ENTRIES, 1]);
  });
  it('puts at most 5 MiB (data + keys) in a call', () => {
    const calls = planCalls(Array.from({ length: 12 }, () => rec(1_048_575)));
    for (const c of calls) expect(c.reduce((n, r) => n + r.data.length + 1, 0)).toBeLessThanOrEqual(PUT_RECORDS_MAX_BYTES);
    expect(calls.map((c) => c.length)).toEqual([5, 5, 2]);
  });
});

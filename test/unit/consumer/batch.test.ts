import { describe, expect, it } from 'vitest';
import { ChunkStream, toDatumArray } from '../../../shared/consumer/batch.ts';
import { contractBatch } from '../../../shared/consumer/testing/contractBatch.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { Tally } from '../../../shared/tally.ts';

const issues = () => ({ dropped: new Tally(), warnings: new Tally() });

/** 5 records × 3 documents × 7 metrics (with several value shapes); record 2 is undecodable. */
const batch = () => contractBatch({ tag: 'batch', records: 5, docsPerRecord: 3, metricsPerDoc: 7, shapes: ['number', 'array', 'statistics'], corrupt: [2] });

function chunksOf(stream: ChunkStream): MetricDatum[][] {
  const out: MetricDatum[][] = [];
  for (let c = stream.next(); c !== undefined; c = stream.next()) out.push(toDatumArray(c));
  return out;
}

describe('ChunkStream', () => {
  it.each([1, 4, 7, 10, 21, 1000, Number.POSITIVE_INFINITY])('hands out every datum once, in order, in chunks of at most %s, whatever the group boundaries', (max) => {
    const { event, expected } = batch();
    const all = expected.flat();
    const stream = new ChunkStream(event.Records, max, issues(), {});
    const chunks = chunksOf(stream);
    expect(chunks.flat()).toEqual(all);
    for (const c of chunks.slice(0, -1)) expect(c).toHaveLength(Math.min(max, all.length));
    expect(stream.decoded).toBe(all.length);
    expect(stream.documents).toBe(12);
    expect(stream.recordsUndecodable).toBe(1);
    // recordEnds: data of records 0..i together (record 2 adds none).
    expect(stream.recordEnds).toEqual([21, 42, 42, 63, 84]);
    expect([0, 20, 21, 41, 42, 62, 63, 83].map((i) => stream.recordOf(i))).toEqual([0, 0, 1, 1, 3, 3, 4, 4]);
  });

  it('decodes records only as chunks need them, so a batch holds about one chunk of decoded data', () => {
    const { event } = batch();
    const stream = new ChunkStream(event.Records, 10, issues(), {});
    stream.next();
    expect(stream.recordEnds).toHaveLength(1); // 21 data decoded, 10 handed out
    stream.next();
    stream.next();
    expect(stream.recordEnds).toHaveLength(2);
  });

  it('drain counts the records delivery never reached (documents, data, undecodable records)', () => {
    const { event, expected } = batch();
    const counted = issues();
    const stream = new ChunkStream(event.Records, 10, counted, {});
    stream.next();
    stream.drain();
    expect(stream.next()?.length).toBe(10); // what was queued stays deliverable; drain adds nothing to the queue
    expect(stream.decoded).toBe(expected.flat().length);
    expect(stream.documents).toBe(12);
    expect(counted.dropped.counts).toEqual({ record_gzip_invalid: 1 });
  });
});

describe('Chunk', () => {
  it('refills one datum object per forEach call (copy to keep), and toArray / toDatumArray give separate objects', () => {
    const { event, expected } = batch();
    const chunk = new ChunkStream(event.Records, 5, issues(), {}).next()!;
    const seen = new Set<MetricDatum>();
    const names: string[] = [];
    chunk.forEach((d, i) => {
      seen.add(d);
      names.push(`${i}:${d.name}`);
    });
    expect(seen.size).toBe(1);
    expect(names).toEqual(expected.flat().slice(0, 5).map((d, i) => `${i}:${d.name}`));
    const copies = toDatumArray(chunk);
    expect(new Set(copies).size).toBe(5);
    expect(JSON.parse(JSON.stringify(copies))).toEqual(JSON.parse(JSON.stringify(expected.flat().slice(0, 5))));
  });

  it('the refilled datum copies and serialises like a plain one, properties included', () => {
    const { event, expected } = batch();
    const chunk = new ChunkStream(event.Records, 30, issues(), {}).next()!;
    const spread: MetricDatum[] = [];
    const json: unknown[] = [];
    chunk.forEach((d) => {
      spread.push({ ...d });
      json.push(JSON.parse(JSON.stringify(d)));
    });
    const want = expected.flat().slice(0, 30);
    expect(spread).toEqual(want);
    expect(spread[0]!.properties).toEqual({ requestId: 'req-0-0', detail: { record: 0, doc: 0 } });
    expect(json).toEqual(JSON.parse(JSON.stringify(want)));
  });
});

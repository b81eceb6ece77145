import { describe, expect, it } from 'vitest';
import { ChunkStream } from '../../../shared/consumer/ChunkStream.ts';
import { contractBatch } from '../../../shared/consumer/testing/contractBatch.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { Tally } from '../../../shared/tally.ts';

const issues = () => ({ dropped: new Tally(), warnings: new Tally() });

/** 5 records × 3 documents × 7 metrics (with several value shapes); record 2 is undecodable. */
const batch = () => contractBatch({ tag: 'batch', records: 5, docsPerRecord: 3, metricsPerDoc: 7, shapes: ['number', 'array', 'statistics'], corrupt: [2] });

function chunksOf(stream: ChunkStream): MetricDatum[][] {
  const out: MetricDatum[][] = [];
  for (let c = stream.next(); c !== undefined; c = stream.next()) out.push(c.toArray());
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

  it('decodes a record only when a chunk reads it, so a batch holds about one record of decoded data', () => {
    const { event, expected } = batch();
    const stream = new ChunkStream(event.Records, 50, issues(), {});
    const chunk = stream.next()!;
    expect(stream.recordEnds).toHaveLength(1); // decoded ahead only to know a chunk exists
    const decodedWhenRead: number[] = [];
    chunk.forEach((_d, i) => {
      if ([0, 20, 21, 41, 42, 49].includes(i)) decodedWhenRead.push(stream.recordEnds.length);
    });
    // Data 0–20 come from record 0, 21–41 from record 1, 42–49 from record 3 (record 2 has none).
    expect(decodedWhenRead).toEqual([1, 1, 2, 2, 4, 4]);
    expect(chunk.length).toBe(50);
    expect(stream.next()!.toArray()).toEqual(expected.flat().slice(50));
    expect(stream.next()).toBeUndefined();
  });

  it('a chunk read again decodes its records again, giving the same data without counting problems twice', () => {
    const { event, expected } = batch();
    const counted = issues();
    const stream = new ChunkStream(event.Records, 30, counted, {});
    const all = expected.flat();
    const first = stream.next()!;
    const second = stream.next();
    expect(first.toArray()).toEqual(all.slice(0, 30)); // read after the stream moved on: held
    expect(second!.toArray()).toEqual(all.slice(30, 60));
    expect(second!.toArray()).toEqual(all.slice(30, 60)); // read again: decoded again
    const third = stream.next()!;
    const names: string[] = [];
    third.forEach((d) => names.push(d.name));
    third.forEach((d, i) => expect(d.name).toBe(names[i]));
    expect(third.toArray()).toEqual(all.slice(60));
    expect(counted.dropped.counts).toEqual({ record_gzip_invalid: 1 });
  });

  it('length read before the first forEach holds the data; inside it, it is an error, as is reading the chunk again there', () => {
    const { event, expected } = batch();
    const stream = new ChunkStream(event.Records, 25, issues(), {});
    const held = stream.next()!;
    expect(held.length).toBe(25);
    expect(held.toArray()).toEqual(expected.flat().slice(0, 25));
    const reading = stream.next()!;
    expect(() => reading.forEach(() => void reading.length)).toThrow(/not known inside its first forEach/);
    const again = stream.next()!;
    expect(() => again.forEach(() => again.forEach(() => undefined))).toThrow(/inside its own first forEach/);
  });

  it('a provider that throws inside the first forEach leaves the stream past the whole chunk, and the chunk readable', () => {
    const { event, expected } = batch();
    const all = expected.flat();
    const stream = new ChunkStream(event.Records, 30, issues(), {});
    const chunk = stream.next()!;
    expect(() => chunk.forEach((_d, i) => {
      if (i === 12) throw new Error('provider bug');
    })).toThrow('provider bug');
    expect(chunk.length).toBe(30);
    expect(chunk.toArray()).toEqual(all.slice(0, 30));
    expect(stream.next()!.toArray()).toEqual(all.slice(30, 60));
  });

  it('drain counts the records delivery never reached (documents, data, undecodable records)', () => {
    const { event, expected } = batch();
    const counted = issues();
    const stream = new ChunkStream(event.Records, 10, counted, {});
    const unread = stream.next()!;
    stream.drain();
    expect(unread.toArray()).toEqual(expected.flat().slice(0, 10)); // still readable, from the records
    expect(stream.next()?.length).toBe(10); // what was queued stays deliverable; drain adds nothing to the queue
    expect(stream.decoded).toBe(expected.flat().length);
    expect(stream.documents).toBe(12);
    expect(counted.dropped.counts).toEqual({ record_gzip_invalid: 1 });
  });
});

describe('Chunk', () => {
  it('refills one datum object per forEach call (copy to keep), and toArray gives separate objects', () => {
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
    const copies = chunk.toArray();
    expect(new Set(copies).size).toBe(5);
    expect(JSON.parse(JSON.stringify(copies))).toEqual(JSON.parse(JSON.stringify(expected.flat().slice(0, 5))));
  });

  it('toArray as the first reading decodes only the chunk\'s records, once, into separate data sharing their group\'s maps', () => {
    const { event, expected } = batch();
    const stream = new ChunkStream(event.Records, 30, issues(), {});
    const chunk = stream.next()!;
    const data = chunk.toArray();
    expect(data).toEqual(expected.flat().slice(0, 30));
    expect(new Set(data).size).toBe(30);
    // Data 0–29 come from records 0 and 1: nothing further was decoded, and the chunk knows its length.
    expect(stream.recordEnds).toEqual([21, 42]);
    expect(chunk.length).toBe(30);
    // One document's data (7 metrics) share its maps and source: no copy per datum.
    expect(data[1]!.dimensions).toBe(data[0]!.dimensions);
    expect(data[1]!.properties).toBe(data[0]!.properties);
    expect(data[1]!.source).toBe(data[0]!.source);
    expect(data[7]!.dimensions).not.toBe(data[0]!.dimensions);
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

/**
 * De-duplication in the consumer core (docs/architecture.md#de-duplication): one handler kept across
 * invocations, as one container keeps it, gets the same documents again (Lambda's redelivery, the
 * forwarder's retry writing them in new records) and delivers each datum once.
 */
import { describe, expect, it } from 'vitest';
import { InMemoryProvider } from '../../helpers/InMemoryProvider.ts';
import { kinesisEventFromRecords, recordData } from '../../helpers/kinesisEvent.ts';
import { container, CopyingStreamingProvider, doc, eventOf, from, T0 } from './dedupKit.ts';
import { names, retryable } from './handlerKit.ts';

const failure = { status: 'failure', error: new Error('bad request'), reason: 'http_400' } as const;

describe('de-duplication: redelivery to the same container', () => {
  it('the same event twice: every document once, the second time counted as duplicates, neither delivered nor dropped', async () => {
    const event = eventOf([[doc('1', ['a', 'b']), doc('2', ['c'])], [doc('3', ['d', 'e', 'f'])]]);
    const provider = new InMemoryProvider();
    const c = container(provider);
    const first = await c.invoke(event);
    const second = await c.invoke(event);
    expect(names(provider)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(first.summary).toMatchObject({ documents: 3, data: 6, delivered: 6, duplicates: { documents: 0, data: 0 } });
    expect(second.summary).toMatchObject({ documents: 3, data: 0, delivered: 0, dataDropped: 0, dropped: {}, duplicates: { documents: 3, data: 6 } });
    expect(second.response.batchItemFailures).toEqual([]);
    expect(c.logger.entries[1]!.fields).toMatchObject({ duplicates: { documents: 3, data: 6 } });
  });

  it('a chunk boundary inside a document: after the partial failure, the redelivery sends exactly the unconfirmed rest', async () => {
    // Chunks of two data: [a b] is confirmed, [c d] gives up. Datum c is in record 0, so Lambda resumes there.
    const event = eventOf([[doc('1', ['a', 'b', 'c'])], [doc('2', ['d', 'e'])]]);
    const provider = new InMemoryProvider({ maxBatchSize: 2 }).script({ status: 'success' }, retryable(), retryable(), retryable());
    const c = container(provider);
    const first = await c.invoke(event);
    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.kinesis.sequenceNumber }]);
    const second = await c.invoke(from(event, first.response.batchItemFailures[0]!.itemIdentifier));
    expect(second.response.batchItemFailures).toEqual([]);
    expect(names(provider)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(provider.sendCalls.at(-2)!.data.map((d) => d.name)).toEqual(['c', 'd']);
    expect(second.summary).toMatchObject({ data: 3, delivered: 3, duplicates: { documents: 0, data: 2 } });
  });

  it('a streaming provider reading a resumed chunk again (a retried send) reads the same data', async () => {
    const event = eventOf([[doc('1', ['a', 'b', 'c']), doc('2', ['d'])], [doc('3', ['e', 'f'])]]);
    const provider = new CopyingStreamingProvider(2).script({ status: 'success' }, retryable(), retryable(), retryable());
    const c = container(provider);
    const first = await c.invoke(event);
    // The redelivery: document 1 resumes at c; its chunk [c d] is answered retryable once, then read again.
    provider.script(retryable());
    const second = await c.invoke(from(event, first.response.batchItemFailures[0]!.itemIdentifier));
    expect(second.response.batchItemFailures).toEqual([]);
    expect(provider.delivered.map((d) => d.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(provider.reads.slice(-3)).toEqual([['c', 'd'], ['c', 'd'], ['e', 'f']]);
    expect(second.summary.duplicates).toEqual({ documents: 0, data: 2 });
  });

  it('a `failure` settles its data: they are not sent again when their record is redelivered', async () => {
    // Chunks of one datum: a is rejected, b1 rejected, b2 gives up. Lambda resumes at record 0.
    const event = eventOf([[doc('1', ['a']), doc('2', ['b1', 'b2']), doc('3', ['c'])]]);
    const provider = new InMemoryProvider({ maxBatchSize: 1 }).script(failure, failure, retryable(), retryable(), retryable());
    const c = container(provider);
    const first = await c.invoke(event);
    expect(first.summary).toMatchObject({ dropped: { http_400: 2 }, delivered: 0 });
    const second = await c.invoke(from(event, first.response.batchItemFailures[0]!.itemIdentifier));
    expect(provider.sendCalls.slice(-2).map((call) => call.data.map((d) => d.name))).toEqual([['b2'], ['c']]);
    expect(names(provider)).toEqual(['b2', 'c']);
    expect(second.summary).toMatchObject({ delivered: 2, dropped: {}, duplicates: { documents: 1, data: 2 } });
  });

  it('a provider with flush: what a `send` failure dropped is not sent again when no flush succeeded', async () => {
    // Chunks of one datum: a is buffered, b1 rejected, b2 buffered; the flush gives up, so record 0 comes back.
    const event = eventOf([[doc('1', ['a']), doc('2', ['b1', 'b2'])]]);
    const provider = new InMemoryProvider({ withFlush: true, maxBatchSize: 1 }).script({ status: 'success' }, failure).scriptFlush(retryable(), retryable(), retryable());
    const c = container(provider);
    const first = await c.invoke(event);
    expect(first.summary).toMatchObject({ delivered: 0, dropped: { http_400: 1 } });
    const second = await c.invoke(from(event, first.response.batchItemFailures[0]!.itemIdentifier));
    expect(provider.sendCalls.slice(3).map((call) => call.data.map((d) => d.name))).toEqual([['a'], ['b2']]);
    expect(names(provider)).toEqual(['a', 'b2']);
    expect(second.summary).toMatchObject({ delivered: 2, duplicates: { documents: 0, data: 1 } });
  });

  it('a provider with flush: only what a flush confirmed is remembered', async () => {
    const event = eventOf([[doc('1', ['a', 'b'])], [doc('2', ['c'])]]);
    const provider = new InMemoryProvider({ withFlush: true }).scriptFlush(retryable(), retryable(), retryable());
    const c = container(provider);
    const first = await c.invoke(event);
    expect(first.summary.delivered).toBe(0);
    const second = await c.invoke(from(event, first.response.batchItemFailures[0]!.itemIdentifier));
    const third = await c.invoke(event);
    expect(names(provider)).toEqual(['a', 'b', 'c']);
    expect(second.summary).toMatchObject({ delivered: 3, duplicates: { documents: 0, data: 0 } });
    expect(third.summary).toMatchObject({ delivered: 0, duplicates: { documents: 2, data: 3 } });
  });
});

describe('de-duplication: documents forwarded again in new records', () => {
  it('the same documents packed differently, with new sequence numbers, are delivered once', async () => {
    const docs = [doc('1', ['a']), doc('2', ['b', 'c']), doc('3', ['d'])];
    const provider = new InMemoryProvider();
    const c = container(provider);
    await c.invoke(eventOf([docs]));
    const again = await c.invoke(eventOf([[docs[0]!], [docs[1]!, docs[2]!, doc('4', ['e'])]], 5_000_000_000n));
    expect(names(provider)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(again.summary).toMatchObject({ delivered: 1, duplicates: { documents: 3, data: 4 } });
  });

  it.each([1, 100])('both copies in one batch: the later copy is passed over (chunks of %i data)', async (maxBatchSize) => {
    // With chunks of 100, every record is decoded before the first send: the copies are known by this batch alone.
    const docs = [doc('1', ['a']), doc('2', ['b', 'c'])];
    const provider = new InMemoryProvider({ maxBatchSize });
    const { summary } = await container(provider).invoke(eventOf([docs, [docs[1]!], docs]));
    expect(names(provider)).toEqual(['a', 'b', 'c']);
    expect(summary).toMatchObject({ documents: 5, data: 3, delivered: 3, duplicates: { documents: 3, data: 5 } });
  });

  it('the same event id in another log stream is another document', async () => {
    const provider = new InMemoryProvider();
    const c = container(provider);
    await c.invoke(kinesisEventFromRecords([recordData([doc('1', ['a'])], { logStream: 's1' }, 'none')]));
    const other = await c.invoke(kinesisEventFromRecords([recordData([doc('1', ['a'])], { logStream: 's2' }, 'none')]));
    expect(names(provider)).toEqual(['a', 'a']);
    expect(other.summary.duplicates).toEqual({ documents: 0, data: 0 });
  });
});

describe('de-duplication: the bound', () => {
  it('CONSUMER_DEDUP_DOCUMENTS bounds the memory: the oldest document is forgotten and delivered again (the documented limit)', async () => {
    const event = eventOf([[doc('1', ['a']), doc('2', ['b']), doc('3', ['c'])]]);
    const provider = new InMemoryProvider();
    const c = container(provider, { CONSUMER_DEDUP_DOCUMENTS: '2' });
    await c.invoke(event);
    const second = await c.invoke(event);
    expect(names(provider)).toEqual(['a', 'b', 'c', 'a']);
    expect(second.summary).toMatchObject({ delivered: 1, duplicates: { documents: 2, data: 2 } });
  });

  it('CONSUMER_DEDUP_DOCUMENTS=0 turns de-duplication off', async () => {
    const event = eventOf([[doc('1', ['a']), doc('2', ['b'])]]);
    const provider = new InMemoryProvider();
    const c = container(provider, { CONSUMER_DEDUP_DOCUMENTS: '0' });
    await c.invoke(event);
    const second = await c.invoke(event);
    expect(names(provider)).toEqual(['a', 'b', 'a', 'b']);
    expect(second.summary).toMatchObject({ delivered: 2, duplicates: { documents: 0, data: 0 } });
  });
});

describe('lag', () => {
  it('is the delivery time minus the log event time, every document when there are at most 100', async () => {
    const before = Date.now();
    const docs = [doc('1', ['a'], before - 60_000), doc('2', ['b'], before - 1_000), doc('3', ['c'], before - 30_000)];
    const c = container(new InMemoryProvider());
    const { summary } = await c.invoke(eventOf([docs]));
    const after = Date.now();
    expect(summary.lag.documents).toBe(3);
    const [low, mid, high] = summary.lag.valuesMs;
    expect(low).toBeGreaterThanOrEqual(1_000);
    expect(low).toBeLessThanOrEqual(1_000 + after - before);
    expect([mid! - low!, high! - low!]).toEqual([29_000, 59_000]);
    // The log line has the range only.
    expect(c.logger.entries[0]!.fields.lag).toEqual({ documents: 3, minMs: low, maxMs: high });
  });

  it('over 100 documents: the 100 quantiles (i + 0.5) / 100', async () => {
    // 250 documents, one chunk, so one delivery time: lag i = d + 100,000·i, d the same for all.
    const now = Date.now();
    const docs = Array.from({ length: 250 }, (_, i) => doc(String(i + 1), ['m'], now - 100_000 * i));
    const { summary } = await container(new InMemoryProvider()).invoke(eventOf([docs]));
    expect(summary.lag.documents).toBe(250);
    expect(summary.lag.valuesMs).toHaveLength(100);
    const ranks = summary.lag.valuesMs.map((_, k) => Math.floor(((k + 0.5) * 250) / 100));
    const offsets = new Set(summary.lag.valuesMs.map((v, k) => v - 100_000 * ranks[k]!));
    expect(offsets.size).toBe(1);
    expect([...offsets][0]).toBeGreaterThanOrEqual(0);
  });

  it('no lag for documents dropped by a `failure`, nor for duplicates', async () => {
    const event = eventOf([[doc('1', ['a'], T0)], [doc('2', ['b'], T0)]]);
    const provider = new InMemoryProvider({ maxBatchSize: 1 }).script(failure);
    const c = container(provider);
    const first = await c.invoke(event);
    const second = await c.invoke(event);
    expect(first.summary.lag.documents).toBe(1);
    expect(second.summary.lag).toEqual({ documents: 0, valuesMs: [] });
    expect(c.logger.entries[1]!.fields.lag).toEqual({ documents: 0 });
  });
});

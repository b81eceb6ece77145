import { describe, expect, it } from 'vitest';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../../shared/consumer/summary.ts';
import type { SendResult } from '../../../shared/consumer/types.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { InMemoryProvider } from '../../helpers/InMemoryProvider.ts';
import { fakeLambdaContext, kinesisEventFromRecords } from '../../helpers/kinesisEvent.ts';
import { FAST, invoke, names, rec, retryable, seq } from './handlerKit.ts';

describe('createConsumerHandler: decoding and isolation', () => {
  it('skips undecodable records, counts each reason, and delivers the rest of the batch in order', async () => {
    // Prepare
    const event = kinesisEventFromRecords([
      rec(['a', 'b']),
      Buffer.from('placeholder'),
      Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from('not deflate')]),
      Buffer.from(JSON.stringify({ v: 9, documents: [] })),
      Buffer.from('{"v":1,"owner":'),
      rec(['c'], 'none'),
    ]);
    event.Records[1]!.kinesis.data = '%%% not base64 %%%';
    const provider = new InMemoryProvider();
    // Act
    const { response, summary, logger } = await invoke(provider, event);
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(names(provider)).toEqual(['a', 'b', 'c']);
    expect(summary).toMatchObject({
      records: 6,
      recordsUndecodable: 4,
      documents: 2,
      data: 3,
      delivered: 3,
      dataDropped: 0,
      dropped: { record_base64_invalid: 1, record_gzip_invalid: 1, record_version_unsupported: 1, record_json_invalid: 1 },
    });
    // One structured line per invocation, with an example per reason (not one line per record).
    expect(logger.entries).toHaveLength(1);
    expect(logger.entries[0]).toMatchObject({ level: 'warn', message: 'consumer batch' });
    expect(logger.entries[0]!.fields.examples).toHaveProperty('record_gzip_invalid', expect.stringContaining(seq(event, 2)));
  });

  it('sends chunks of at most maxBatchSize, spanning records, in record order', async () => {
    const event = kinesisEventFromRecords([rec(['a', 'b', 'c']), rec([]), rec(['d']), rec(['e', 'f'])]);
    const provider = new InMemoryProvider({ maxBatchSize: 2 });
    const { response, summary } = await invoke(provider, event);
    expect(response.batchItemFailures).toEqual([]);
    expect(provider.sendCalls.map((c) => c.data.map((d) => d.name))).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f']]);
    expect(summary).toMatchObject({ data: 6, delivered: 6, calls: 3, retries: 0 });
  });

  it('an empty batch returns no failures and logs one info line', async () => {
    const { response, summary, logger } = await invoke(new InMemoryProvider(), { Records: [] });
    expect(response).toEqual({ batchItemFailures: [] });
    expect(summary).toMatchObject({ records: 0, data: 0, delivered: 0 });
    expect(logger.entries.map((e) => [e.level, e.message])).toEqual([['info', 'consumer batch']]);
  });
});

describe('createConsumerHandler: retryable results', () => {
  it('retries and then succeeds without reporting failures', async () => {
    const event = kinesisEventFromRecords([rec(['a', 'b'])]);
    const provider = new InMemoryProvider().script(retryable(), retryable());
    const { response, summary } = await invoke(provider, event);
    expect(response.batchItemFailures).toEqual([]);
    expect(names(provider)).toEqual(['a', 'b']);
    expect(summary).toMatchObject({ calls: 3, retries: 2, delivered: 2 });
  });

  it.each([
    // Three data per record, two per chunk: chunks [a,b] [c,d] [e,f] [g,h] [i].
    { failingCall: 1, firstUndelivered: 'c', record: 0 },
    { failingCall: 2, firstUndelivered: 'e', record: 1 },
    { failingCall: 3, firstUndelivered: 'g', record: 2 },
  ])('gives up at chunk $failingCall and names the record of datum $firstUndelivered (record $record) in batchItemFailures', async ({ failingCall, record }) => {
    const event = kinesisEventFromRecords([rec(['a', 'b', 'c']), rec(['d', 'e', 'f']), rec(['g', 'h', 'i'])]);
    const provider = new InMemoryProvider({ maxBatchSize: 2 });
    provider.script(...Array.from({ length: failingCall }, () => ({ status: 'success' }) as const)).always(retryable('HTTP 503'));
    const { response, summary } = await invoke(provider, event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(event, record) }]);
    // FAST allows 2 retries: 3 attempts at the failing chunk, and nothing sent after it.
    expect(provider.sendCalls).toHaveLength(failingCall + 3);
    expect(summary.delivered).toBe(failingCall * 2);
    expect(summary.redelivery).toEqual({ sequenceNumber: seq(event, record), records: 3 - record, data: 9 - 3 * record, error: 'HTTP 503', stoppedBy: 'retries' });
  });

  it.each([
    // Three data per record, one chunk of all nine: the provider delivered the first `delivered` before giving up.
    { delivered: 4, record: 1, confirmed: 4 },
    { delivered: 6, record: 2, confirmed: 6 },
    { delivered: 0, record: 0, confirmed: 0 },
    { delivered: 99, record: 0, confirmed: 9 },
  ])('a retryable result that delivered $delivered data of its chunk: Lambda resumes at record $record, and those data are not sent again', async ({ delivered, record, confirmed }) => {
    const event = kinesisEventFromRecords([rec(['a', 'b', 'c']), rec(['d', 'e', 'f']), rec(['g', 'h', 'i'])]);
    const provider = new InMemoryProvider().script(...Array.from({ length: 3 }, () => ({ status: 'retryable', error: new Error('HTTP 503'), delivered }) as const));
    // One container: the same handler gets the redelivery.
    let summary: ConsumerSummary | undefined;
    const handler = createConsumerHandler(provider, { env: {}, logger: createMemoryLogger(), retry: FAST, onSummary: (x) => (summary = x) });
    const first = await handler(event, fakeLambdaContext());
    expect(summary!.delivered).toBe(confirmed);
    if (confirmed === 9) {
      expect(first.batchItemFailures).toEqual([]);
      expect(provider.sendCalls).toHaveLength(3);
      return;
    }
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: seq(event, record) }]);
    const second = await handler({ Records: event.Records.slice(record) }, fakeLambdaContext());
    expect(second.batchItemFailures).toEqual([]);
    // The provider gets exactly the data after the confirmed ones: the redelivered record's confirmed data are passed over.
    expect(names(provider)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].slice(confirmed));
  });

  it('data a partial result says were lost among those it settled are counted as dropped by reason, not delivered', async () => {
    const event = kinesisEventFromRecords([rec(['a', 'b', 'c']), rec(['d', 'e', 'f'])]);
    const provider = new InMemoryProvider().always({ status: 'retryable', error: new Error('HTTP 503'), delivered: 4, dropped: { too_old: 1 } });
    const { response, summary } = await invoke(provider, event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(event, 1) }]);
    expect(summary.delivered).toBe(3);
    expect(summary.dropped).toEqual({ too_old: 1 });
  });

  it('the most any attempt said it delivered counts, even when a later attempt throws', async () => {
    const event = kinesisEventFromRecords([rec(['a', 'b', 'c']), rec(['d', 'e', 'f'])]);
    const provider = new InMemoryProvider().script({ status: 'retryable', error: new Error('HTTP 503'), delivered: 4 }).always(() => {
      throw new Error('provider bug');
    });
    const { response, summary } = await invoke(provider, event);
    expect(summary.delivered).toBe(4);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(event, 1) }]);
  });

  it('never starts an attempt that cannot finish before the deadline, then reports the batch for redelivery', async () => {
    const event = kinesisEventFromRecords([rec(['a'])]);
    const attemptMs = 150;
    const provider = new InMemoryProvider().always(async () => {
      await new Promise((r) => setTimeout(r, attemptMs));
      return retryable();
    });
    const { response, summary } = await invoke(provider, event, { safetyMarginMs: 100, retry: { retries: 1000, minTimeoutMs: 1, maxTimeoutMs: 2 } }, 600);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(event, 0) }]);
    expect(summary.redelivery?.stoppedBy).toBe('deadline');
    const calls = provider.sendCalls;
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThan(1000);
    // After the first attempt the handler knows an attempt takes ≥ 150 ms: every later one fitted.
    for (const c of calls.slice(1)) expect(c.wallClock + attemptMs).toBeLessThanOrEqual(c.deadline);
    // The deadline the provider saw keeps the safety margin before Lambda's end.
    expect(calls[0]!.deadline - calls[0]!.wallClock).toBeLessThanOrEqual(500);
  });

  it('honours Retry-After: the provider is not called again before the hinted delay', async () => {
    const event = kinesisEventFromRecords([rec(['a'])]);
    const provider = new InMemoryProvider().script(retryable('HTTP 429', 150), retryable('HTTP 429', 60));
    const { response } = await invoke(provider, event);
    expect(response.batchItemFailures).toEqual([]);
    const [c0, c1, c2] = provider.sendCalls;
    // Backoff alone would wait 1–2 ms (FAST); 1 ms tolerance for timer granularity.
    expect(c1!.startedAt - c0!.endedAt).toBeGreaterThanOrEqual(149);
    expect(c2!.startedAt - c1!.endedAt).toBeGreaterThanOrEqual(59);
    expect(names(provider)).toEqual(['a']);
  });

  it('does not wait for a Retry-After that ends past the deadline: it reports the records instead', async () => {
    const event = kinesisEventFromRecords([rec(['a'])]);
    const provider = new InMemoryProvider().always(retryable('HTTP 429', 60_000));
    const { response, summary } = await invoke(provider, event, { safetyMarginMs: 100 }, 2_000);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(event, 0) }]);
    expect(provider.sendCalls).toHaveLength(1);
    expect(summary.redelivery?.stoppedBy).toBe('deadline');
  });

  it('treats a provider that throws as retryable and logs the contract breach', async () => {
    const event = kinesisEventFromRecords([rec(['a'])]);
    const provider = new InMemoryProvider().script(() => {
      throw new Error('bug in provider');
    });
    const { response, summary, logger } = await invoke(provider, event);
    expect(response.batchItemFailures).toEqual([]);
    expect(summary).toMatchObject({ delivered: 1, retries: 1 });
    expect(logger.entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual(['provider threw instead of returning a SendResult; treated as retryable']);
  });

  it('abandons a provider that ignores the abort signal shortly after the deadline', async () => {
    const event = kinesisEventFromRecords([rec(['a'])]);
    const provider = new InMemoryProvider().always(() => new Promise<SendResult>(() => {}));
    const { response, summary } = await invoke(provider, event, { safetyMarginMs: 200 }, 500);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(event, 0) }]);
    expect(summary.redelivery?.error).toContain('did not return');
  });
});

describe('createConsumerHandler: permanent failures', () => {
  it('drops the chunk, counts it under the provider reason with its message, and carries on', async () => {
    const event = kinesisEventFromRecords([rec(['a', 'b']), rec(['c', 'd'])]);
    const provider = new InMemoryProvider({ maxBatchSize: 2 }).script({ status: 'failure', error: new Error('HTTP 400: metric name "a" is invalid'), reason: 'http_400' });
    const { response, summary, logger } = await invoke(provider, event);
    expect(response.batchItemFailures).toEqual([]);
    expect(names(provider)).toEqual(['c', 'd']);
    expect(summary).toMatchObject({ delivered: 2, dropped: { http_400: 2 }, dataDropped: 2, calls: 2, retries: 0 });
    expect(logger.entries).toHaveLength(1);
    expect(logger.entries[0]!.fields.examples).toHaveProperty('http_400', expect.stringContaining('metric name "a" is invalid'));
  });
});

describe('createConsumerHandler: flush', () => {
  const event = () => kinesisEventFromRecords([rec(['a', 'b']), rec(['c'])]);

  it('counts data as delivered only once flush succeeds', async () => {
    const provider = new InMemoryProvider({ withFlush: true });
    const { response, summary } = await invoke(provider, event());
    expect(response.batchItemFailures).toEqual([]);
    expect(provider.calls.map((c) => c.kind)).toEqual(['send', 'flush']);
    expect(summary.delivered).toBe(3);
  });

  it('a flush that stays retryable reports every record sent since the last confirmed point', async () => {
    const e = event();
    const provider = new InMemoryProvider({ withFlush: true }).scriptFlush(retryable('socket closed'), retryable('socket closed'), retryable('socket closed'));
    const { response, summary } = await invoke(provider, e);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(e, 0) }]);
    expect(summary.delivered).toBe(0);
    expect(summary.redelivery).toMatchObject({ records: 2, data: 3, error: 'socket closed' });
  });

  it('a flush failure drops the unconfirmed data with its reason', async () => {
    const provider = new InMemoryProvider({ withFlush: true }).scriptFlush({ status: 'failure', error: new Error('rejected'), reason: 'flush_rejected' });
    const { response, summary } = await invoke(provider, event());
    expect(response.batchItemFailures).toEqual([]);
    expect(summary).toMatchObject({ delivered: 0, dropped: { flush_rejected: 3 }, dataDropped: 3 });
  });

  it('a failure that lost only part of the data (dropped by reason) counts those, and the rest as delivered', async () => {
    const provider = new InMemoryProvider({ withFlush: true }).scriptFlush({ status: 'failure', error: new Error('1 of 2 requests rejected'), reason: 'http_400', dropped: { http_400: 1, series_limit: 1 } });
    const { response, summary } = await invoke(provider, event());
    expect(response.batchItemFailures).toEqual([]);
    expect(summary).toMatchObject({ delivered: 1, dropped: { http_400: 1, series_limit: 1 }, dataDropped: 2 });
  });

  it('when sending gives up, nothing is flushed: every record since the last confirmed point is redelivered, none twice', async () => {
    // Record 0 holds a and b; with chunks of one datum, the send of b gives up inside it.
    const e = kinesisEventFromRecords([rec(['a', 'b']), rec(['c'])]);
    const provider = new InMemoryProvider({ withFlush: true, maxBatchSize: 1 }).script({ status: 'success' }).always(retryable());
    const { response, summary } = await invoke(provider, e);
    expect(provider.calls.map((c) => c.kind)).not.toContain('flush');
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(e, 0) }]);
    expect(summary.delivered).toBe(0);
    expect(provider.delivered).toEqual([]);
  });
});

describe('createConsumerHandler: logging', () => {
  it("hands the logger each invocation's context, so every line of it carries that request id", async () => {
    const logger = createMemoryLogger();
    const handler = createConsumerHandler(new InMemoryProvider(), { env: {}, logger, retry: FAST });
    const contexts = [fakeLambdaContext(), fakeLambdaContext()];
    for (const context of contexts) await handler(kinesisEventFromRecords([rec(['A'])]), context);
    expect(logger.requestIds).toEqual(contexts.map((c) => c.awsRequestId));
    expect(new Set(logger.requestIds).size).toBe(2);
  });
});

describe('createConsumerHandler: configuration', () => {
  it('rejects a bad CONSUMER_* variable at creation, naming it', () => {
    expect(() => createConsumerHandler(new InMemoryProvider(), { env: { CONSUMER_MAX_RETRIES: 'lots' } })).toThrow(ConfigError);
    expect(() => createConsumerHandler(new InMemoryProvider(), { env: { CONSUMER_MAX_RETRIES: 'lots' } })).toThrow(/CONSUMER_MAX_RETRIES/);
  });

  it('rejects a provider whose maxBatchSize is not a positive integer', () => {
    expect(() => createConsumerHandler(new InMemoryProvider({ maxBatchSize: 0 }), { env: {} })).toThrow(/maxBatchSize/);
  });
});

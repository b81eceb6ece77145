/**
 * `runLocalPipeline`: fixture lines from the real producer libraries through the real forwarder,
 * an embedded stream and the event-source-mapping emulator into scripted providers. Every log
 * event is accounted for, every provider gets every document, and each kind of loss is named.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLocalPipeline, type PipelineOptions } from '../../../local/pipeline.ts';
import { exitCodeOf } from '../../../local/summary.ts';
import type { InputEvent } from '../../../local/input/types.ts';
import { InMemoryProvider } from '../../../shared/consumer/testing/InMemoryProvider.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { getFixtureLines, type FixtureLine } from '../../fixtures/generate.ts';
import { datumKey, expectedCounts, expectedEmfData } from './fixtureExpect.ts';

let lines: FixtureLine[];
let events: InputEvent[];

beforeAll(async () => {
  lines = await getFixtureLines();
  events = lines.map((l) => ({ logGroup: l.logGroup, logStream: l.logStream, timestamp: l.timestamp, message: l.message }));
});

const FAST = { retryDelayMs: 10, pollIntervalMs: 20 } as const;
const base = (over: Partial<PipelineOptions>): PipelineOptions => ({
  events, providers: [], env: {}, logger: createMemoryLogger(), esm: FAST, flushIntervalMs: 50, ...over,
});

describe('local pipeline', () => {
  it('accounts for every log event and delivers every document to every provider, over several shards and small batches', async () => {
    // Prepare
    const chunked = new InMemoryProvider({ name: 'chunked', maxBatchSize: 7 });
    const buffered = new InMemoryProvider({ name: 'buffered', withFlush: true });
    const seen: KinesisStreamEvent[] = [];
    const bare = async (e: KinesisStreamEvent) => void seen.push(e);

    // Act
    const summary = await runLocalPipeline(base({
      providers: [{ name: 'chunked', provider: chunked }, { name: 'buffered', provider: buffered }, { name: 'bare', handler: bare }],
      shards: 3, esm: { ...FAST, batchSize: 2 }, env: { RECORD_TARGET_BYTES: '2048' },
    }));

    // Assess
    const want = expectedCounts(lines);
    const f = summary.forwarder;
    expect(summary.input.logEvents).toBe(want.logEvents);
    expect(f.logEvents).toBe(want.logEvents);
    expect({ emf: f.emfDocuments, plain: f.plainLines, platform: f.platformLines, rejected: f.rejected })
      .toEqual({ emf: want.emfDocuments, plain: want.plainLines, platform: want.platformLines, rejected: want.rejected });
    expect(f.forwardedDocuments).toBe(f.emfDocuments + f.platformDocuments);
    expect(f.records).toBeGreaterThan(3);
    for (const p of [chunked, buffered]) {
      const emf = p.delivered.filter((d) => d.source.origin === 'emf');
      expect(emf.map(datumKey).sort()).toEqual(expectedEmfData(lines));
      expect(p.delivered.filter((d) => d.source.origin === 'platform').length).toBeGreaterThan(0);
    }
    for (const p of summary.providers) {
      expect(p.esm.recordsProcessed).toBe(f.records);
      if (p.counted) {
        expect(p.documents).toBe(f.forwardedDocuments);
        expect(p.delivered).toBe(p.data);
      }
    }
    expect(summary.providers.map((p) => [p.name, p.delivered])).toEqual([['chunked', chunked.delivered.length], ['buffered', buffered.delivered.length], ['bare', 0]]);
    expect(seen.flatMap((e) => e.Records).length).toBe(f.records);
    expect(Math.max(...chunked.sendCalls.map((c) => c.data.length))).toBeLessThanOrEqual(7);
    expect(summary.losses).toEqual([]);
    expect(exitCodeOf(summary)).toBe(0);
  });

  it('names records a provider never accepted, discarded after the retries, while the other provider gets everything', async () => {
    // Prepare: a provider that is always unavailable, and one that works.
    const down = new InMemoryProvider({ name: 'down' }).always({ status: 'retryable', error: new Error('503 Service Unavailable') });
    const up = new InMemoryProvider({ name: 'up' });

    // Act
    const summary = await runLocalPipeline(base({
      providers: [{ name: 'down', provider: down }, { name: 'up', provider: up }],
      env: { CONSUMER_MAX_RETRIES: '1', CONSUMER_RETRY_MIN_DELAY_MS: '1', CONSUMER_RETRY_MAX_DELAY_MS: '5' },
      esm: { ...FAST, maxRetryAttempts: 1, timeoutMs: 3_000 },
    }));

    // Assess
    const [downStats, upStats] = summary.providers;
    expect(downStats!.esm.recordsDiscarded).toBe(summary.forwarder.records);
    expect(downStats!.esm.discards.every((d) => d.attempts === 2)).toBe(true);
    expect(summary.losses.length).toBeGreaterThan(0);
    for (const l of summary.losses) expect(l).toMatch(/^down: \d+ record\(s\) of shardId-000000000000 \(\d+…\d+\) discarded after 2 attempt\(s\): the function reported \d+ as failed \(last error: 503 Service Unavailable\)$/);
    expect(up.delivered.filter((d) => d.source.origin === 'emf').map(datumKey).sort()).toEqual(expectedEmfData(lines));
    expect(upStats!.esm.recordsDiscarded).toBe(0);
    expect(exitCodeOf(summary)).toBe(1);
  });

  it('names data a provider rejected for good, with its reason and message', async () => {
    const picky = new InMemoryProvider({ name: 'picky' }).always({ status: 'failure', error: new Error('HTTP 400: bad labels'), reason: 'picky_rejected' });

    const summary = await runLocalPipeline(base({ providers: [{ name: 'picky', provider: picky }] }));

    const p = summary.providers[0]!;
    expect(p.dropped).toEqual({ picky_rejected: p.data });
    expect(p.delivered).toBe(0);
    expect(summary.losses).toEqual([expect.stringMatching(new RegExp(`^picky: ${p.data} dropped as picky_rejected — picky rejected \\d+ data: HTTP 400: bad labels$`))]);
    expect(exitCodeOf(summary)).toBe(1);
  });

  it('retries a forwarder invocation that throws, as Lambda does, then names the log events lost', async () => {
    // Prepare: a payload that decompresses beyond MAX_DECOMPRESSED_BYTES makes the forwarder throw.
    const big = { logGroup: '/aws/lambda/big', logStream: 's', timestamp: Date.now(), message: `{"blob":"${'x'.repeat(100_000)}"}` };
    const ok = { logGroup: '/aws/lambda/ok', logStream: 's', timestamp: Date.now(), message: lines.find((l) => l.expect.kind === 'emf')!.message };
    const sink = new InMemoryProvider({ name: 'sink' });

    // Act
    const summary = await runLocalPipeline(base({ events: [big, ok], providers: [{ name: 'sink', provider: sink }], env: { MAX_DECOMPRESSED_BYTES: '65536' } }));

    // Assess
    expect(summary.forwarder).toMatchObject({ payloads: 2, invocations: 4, retries: 2, failedPayloads: 1, lostEvents: 1, emfDocuments: 1 });
    expect(summary.losses).toEqual([expect.stringMatching(/^forwarder: 1 log event\(s\) in 1 subscription payload\(s\) failed every attempt: \/aws\/lambda\/big s: awslogs\.data decompresses to more than 65536 bytes/)]);
    expect(sink.delivered.length).toBeGreaterThan(0);
  });

  it('on the first stop signal forwards and drains what was read, and loses nothing', async () => {
    // Prepare: an input that never ends by itself (a producer still running).
    const stop = new AbortController();
    const sink = new InMemoryProvider({ name: 'sink' });
    async function* endless() {
      yield* events;
      await new Promise(() => undefined);
    }
    const watcher = setInterval(() => {
      if (sink.delivered.length > 0) stop.abort();
    }, 20);

    // Act
    const summary = await runLocalPipeline(base({ events: endless(), providers: [{ name: 'sink', provider: sink }], stopInput: stop.signal }));
    clearInterval(watcher);

    // Assess
    expect(summary.end).toBe('interrupted');
    expect(summary.input.logEvents).toBe(events.length);
    expect(summary.forwarder.logEvents).toBe(events.length);
    expect(sink.delivered.filter((d) => d.source.origin === 'emf').map(datumKey).sort()).toEqual(expectedEmfData(lines));
    expect(summary.losses).toEqual([]);
  });

  it('on the second stop signal stops at once and counts what was not processed as lost', async () => {
    // Prepare: a provider stuck until the invocation's deadline, and an abort once it is stuck.
    const abort = new AbortController();
    const stuck = new InMemoryProvider({ name: 'stuck' }).always(async (_data, ctx) => {
      abort.abort();
      await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
      return { status: 'retryable', error: new Error('deadline') };
    });

    // Act
    const summary = await runLocalPipeline(base({
      providers: [{ name: 'stuck', provider: stuck }], abort: abort.signal,
      esm: { ...FAST, timeoutMs: 1_000 }, env: { CONSUMER_SAFETY_MARGIN_MS: '200' },
    }));

    // Assess
    expect(summary.end).toBe('aborted');
    expect(summary.providers[0]!.recordsUnconsumed).toBeGreaterThan(0);
    expect(summary.losses).toContainEqual(expect.stringMatching(/^stuck: \d+ record\(s\) written to the stream were never processed/));
    expect(exitCodeOf(summary)).toBe(1);
  });
});

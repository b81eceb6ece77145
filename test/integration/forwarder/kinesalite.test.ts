/**
 * The forwarder against a real Kinesis-compatible stream (kinesalite, in-process) through the real
 * AWS SDK client, on subscription payloads made from the real EMF libraries' output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadForwarderConfig } from '../../../functions/forwarder/config.ts';
import { createForwarderHandler, type ForwarderSummary } from '../../../functions/forwarder/forwarder.ts';
import { createKinesisClient } from '../../../shared/kinesis/client.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { recordDocumentTexts } from '../../../shared/record/documentTexts.ts';
import { decodeRecord } from '../../../shared/record/format.ts';
import { getFixtureLines } from '../../fixtures/generate.ts';
import { controlMessageEvent, splitIntoBatches } from '../../fixtures/subscription.ts';
import type { FixtureLine } from '../../fixtures/types.ts';
import { injectPartialFailures } from '../../helpers/injectPartialFailures.ts';
import { startKinesalite, TEST_CREDENTIALS, type Kinesalite } from '../../helpers/kinesalite.ts';
import { fakeLambdaContext } from '../../../shared/consumer/testing/kinesisEvent.ts';

let k: Kinesalite;
let lines: FixtureLine[];
beforeAll(async () => {
  [k, lines] = await Promise.all([startKinesalite(), getFixtureLines()]);
  // The SDK's standard variable, read by the client itself: no endpoint is passed in code (point 7).
  process.env.AWS_ENDPOINT_URL_KINESIS = k.endpoint;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_KINESIS;
  await k?.close();
});

function forwarder(stream: string, extraEnv: Record<string, string> = {}) {
  const config = loadForwarderConfig({ KINESIS_STREAM_NAME: stream, AWS_REGION: 'eu-west-1', ...extraEnv });
  const kinesis = createKinesisClient({ region: config.region, credentials: TEST_CREDENTIALS });
  const summaries: ForwarderSummary[] = [];
  const logger = createMemoryLogger();
  const handler = createForwarderHandler({ config, kinesis, logger, onSummary: (s) => summaries.push(s), retryMinTimeoutMs: 5 });
  return { handler, kinesis, summaries, logger };
}

/** Every document on the stream, with its record's context and its verbatim text. */
async function streamDocuments(stream: string) {
  const records = await k.readAll(stream);
  return records.flatMap((r) => {
    const rec = decodeRecord(r.data);
    const texts = recordDocumentTexts(r.data);
    expect(r.partitionKey).toBe(`${rec.logGroup}|${rec.logStream}`);
    return rec.documents.map((d, i) => ({ ...d, text: texts[i]!, owner: rec.owner, region: rec.region, logGroup: rec.logGroup, logStream: rec.logStream }));
  });
}

const expectedEmf = (batchLines: FixtureLine[]) => batchLines.filter((l) => l.expect.kind === 'emf').map((l) => (l.expect as { emf: string }).emf);

describe('forwarder → kinesalite', () => {
  it('forwards every valid EMF document exactly once, byte-identical, with its context; rejects each invalid one with its reason', async () => {
    const stream = 'emf-all';
    await k.createStream(stream, 2);
    const { handler, summaries } = forwarder(stream);
    const batches = splitIntoBatches(lines, { maxEvents: 7 });
    expect(batches.length).toBeGreaterThan(5);
    for (const b of batches) await handler(b.event, fakeLambdaContext());
    await handler(controlMessageEvent(), fakeLambdaContext());

    const docs = await streamDocuments(stream);
    const emfDocs = docs.filter((d) => d.origin === 'emf');
    // Exactly once and byte-identical: the multiset of texts equals the generator's expectation.
    expect(emfDocs.map((d) => d.text).sort()).toEqual(batches.flatMap((b) => expectedEmf(b.lines)).sort());
    // Context: each document sits in a record of its own log group and stream, with its event id and timestamp.
    for (const b of batches) {
      const ids = new Map(b.payload.logEvents.map((e, i) => [e.id, { event: e, line: b.lines[i]! }]));
      for (const d of docs.filter((x) => ids.has(x.id))) {
        const { event } = ids.get(d.id)!;
        expect(d).toMatchObject({ owner: '123456789012', region: 'eu-west-1', logGroup: b.logGroup, logStream: b.logStream, timestamp: event.timestamp });
      }
    }
    // Invalid documents: counted by reason, one example each, none forwarded.
    const rejected: Record<string, number> = {};
    for (const s of summaries) for (const [r, n] of Object.entries(s.rejected)) rejected[r] = (rejected[r] ?? 0) + n;
    const expectedRejected: Record<string, number> = {};
    for (const l of lines) if (l.expect.kind === 'invalid') expectedRejected[l.expect.reason] = (expectedRejected[l.expect.reason] ?? 0) + 1;
    expect(rejected).toEqual(expectedRejected);
    // Platform lines: one document per REPORT (timeouts folded into their REPORT), all valid EMF.
    const reports = lines.filter((l) => l.expect.kind === 'platform' && l.expect.event === 'report').length;
    expect(docs.filter((d) => d.origin === 'platform').length).toBeGreaterThanOrEqual(reports);
    // The control message was skipped, and every event is accounted for.
    expect(summaries.at(-1)!.skipped).toEqual({ control_message: 1 });
    const total = summaries.reduce((n, s) => n + s.logEvents, 0) - 1;
    const accounted = summaries.reduce((n, s) => n + s.emfDocuments + s.platformLines + s.plainLines + Object.values(s.rejected).reduce((a, b) => a + b, 0), 0);
    expect(accounted).toBe(total);
    expect(total).toBe(lines.length);
  });

  it('loses nothing when Kinesis reports ProvisionedThroughputExceededException for some entries', async () => {
    const stream = 'emf-throttled';
    await k.createStream(stream, 1);
    // Small records so each payload spans several entries; a third of the entries fail on each of the first calls.
    const { handler, kinesis, summaries } = forwarder(stream, { RECORD_TARGET_BYTES: '2048', RECORD_COMPRESSION: 'none' });
    const injected = injectPartialFailures(kinesis, (call, entry) => call < 6 && entry % 3 === 0);
    const batches = splitIntoBatches(lines, { maxEvents: 40 });
    for (const b of batches) await handler(b.event, fakeLambdaContext());

    expect(injected.injected).toBeGreaterThan(0);
    expect(summaries.reduce((n, s) => n + s.retriedEntries, 0)).toBe(injected.injected);
    const texts = (await streamDocuments(stream)).filter((d) => d.origin === 'emf').map((d) => d.text);
    expect(texts.sort()).toEqual(batches.flatMap((b) => expectedEmf(b.lines)).sort());
  });

  it('throws when records cannot be written before the deadline, so Lambda keeps the event', async () => {
    const stream = 'emf-never';
    await k.createStream(stream, 1);
    const { handler, kinesis, logger } = forwarder(stream, { DEADLINE_MARGIN_MS: '1000' });
    injectPartialFailures(kinesis, () => true);
    const [batch] = splitIntoBatches(lines.filter((l) => l.expect.kind === 'emf'));
    await expect(handler(batch!.event, fakeLambdaContext({ remainingMs: 1_500 }))).rejects.toMatchObject({ name: 'KinesisWriteError', reason: 'kinesis_write_failed' });
    expect(logger.entries.some((e) => e.level === 'error' && e.message.includes('could not write to Kinesis'))).toBe(true);
    expect(await k.readAll(stream)).toEqual([]);
  });

  it('never forwards the pipeline\'s own log groups', async () => {
    const stream = 'emf-loop';
    await k.createStream(stream, 1);
    const own = lines[0]!.logGroup;
    const { handler, summaries } = forwarder(stream, { AWS_LAMBDA_LOG_GROUP_NAME: own });
    for (const b of splitIntoBatches(lines.filter((l) => l.logGroup === own))) await handler(b.event, fakeLambdaContext());
    expect(await k.readAll(stream)).toEqual([]);
    expect(summaries.every((s) => (s.skipped.loop_guard ?? 0) === s.logEvents)).toBe(true);
  });
});

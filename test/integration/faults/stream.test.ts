/**
 * Fault suite, the stream and Lambda's event source mapping (docs/faults.md): log events → the real
 * forwarder → kinesalite → the event source mapping (batches, ReportBatchItemFailures, retries) → the
 * example-http provider → a real HTTP server on loopback. Each accepted line carries its datum's log
 * event id, so the test sees exactly which documents arrived, and how often.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/consumers/example-http/config.ts';
import { JsonLinesHttpProvider } from '../../../functions/consumers/example-http/JsonLinesHttpProvider.ts';
import type { KinesisHandler } from '../../../local/esm.ts';
import { eventIdsOf, hitPayload } from '../../helpers/faultLog.ts';
import { FaultPipeline, type FaultPipelineOptions } from '../../helpers/FaultPipeline.ts';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/httpReceiver.ts';

let rx: HttpReceiver;
let pipeline: FaultPipeline | undefined;
beforeAll(async () => {
  rx = await startHttpReceiver();
});
afterAll(async () => {
  await rx?.close();
});
beforeEach(() => rx.clear());
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

/** A pipeline into the receiver with `perRequest` data per request. Each payload (one log stream) becomes one record. */
async function start(perRequest: number, o: Partial<FaultPipelineOptions> = {}): Promise<FaultPipeline> {
  const provider = new JsonLinesHttpProvider(loadConfig({ EXAMPLE_HTTP_URL: rx.url, EXAMPLE_HTTP_MAX_BATCH_SIZE: String(perRequest) }));
  pipeline = await FaultPipeline.start({ provider, forwarderEnv: { PLATFORM_METRICS: 'false' }, ...o });
  return pipeline;
}

/** The log event id of every line the receiver accepted (answered 2xx), sorted; a document delivered twice appears twice. */
const acceptedIds = () => rx.acceptedLines().map((l) => (JSON.parse(l) as { source: { eventId: string } }).source.eventId).sort();
const delivered = (p: FaultPipeline) => p.summaries.reduce((n, s) => n + s.delivered, 0);
const streams = (scenario: string, n: number, docs: number) => Array.from({ length: n }, (_, i) => hitPayload(scenario, docs, { logStream: `${scenario}-${i}` }));

describe('poison record', () => {
  it('undecodable records written straight to the stream are counted under record_*, skipped, and the shard goes on', async () => {
    const p = await start(5);
    const [before, after] = streams('poison', 2, 10);
    await p.forward([before!]);
    await p.putRaw(Buffer.from('{"v":1,"documents":[')); // JSON cut short
    await p.putRaw(Buffer.concat([Buffer.from([0x00, 0x62, 0x72, 0x6f]), Buffer.from('not brotli')])); // the brotli marker, then garbage
    await p.forward([after!]);

    await p.startConsumer();
    await p.drain();

    expect(p.forwarder.records).toBe(2);
    expect(p.esmStats).toMatchObject({ recordsProcessed: 4, retries: 0, recordsDiscarded: 0 });
    expect(p.summaries.reduce((n, s) => n + s.recordsUndecodable, 0)).toBe(2);
    // In = delivered + counted: 20 documents delivered; the 2 poison records counted by reason.
    expect(p.consumerTotals()).toMatchObject({ data: 20, delivered: 20, dropped: { record_json_invalid: 1, record_brotli_invalid: 1 } });
    expect(acceptedIds()).toEqual(eventIdsOf([before!, after!]).sort());
  });
});

describe('partial batch', () => {
  it('a failure in the middle of a batch: the handler names the failing record, Lambda redelivers from it, each document arrives once', async () => {
    // 4 records of 3 documents, one request each; the third request fails and is not retried in the invocation.
    const p = await start(3, { consumerEnv: { CONSUMER_MAX_RETRIES: '0' } });
    const payloads = streams('partial', 4, 3);
    rx.script({ status: 200 }, { status: 200 }, { status: 503, body: 'busy' });
    await p.forward(payloads);

    await p.startConsumer();
    await p.drain();

    expect(p.forwarder.records).toBe(4);
    const [first, second] = p.invocations;
    expect(first).toMatchObject({ records: 4, verdict: { kind: 'partial', failedIndex: 2 } });
    expect(p.summaries[0]).toMatchObject({ delivered: 6, redelivery: { records: 2, data: 6, stoppedBy: 'retries' } });
    expect(second).toMatchObject({ records: 2, retry: true, verdict: { kind: 'success' } });
    expect(second!.firstSequenceNumber).toBe((first!.verdict as { sequenceNumber: string }).sequenceNumber);
    expect(rx.requests.map((r) => r.status)).toEqual([200, 200, 503, 200, 200]);
    expect(delivered(p)).toBe(12);
    expect(acceptedIds()).toEqual(eventIdsOf(payloads).sort());
  });
});

describe('redelivery', () => {
  it('the same batch delivered twice (the function timed out after delivering it): the receiver gets each document once', async () => {
    // The first invocation delivers everything, then outlives the function's timeout: Lambda retries the whole batch.
    let timedOut = false;
    const outliveOnce = (handler: KinesisHandler): KinesisHandler => async (event, context) => {
      const answer = await handler(event, context);
      if (!timedOut) {
        timedOut = true;
        await sleep(context.getRemainingTimeInMillis() + 200);
      }
      return answer;
    };
    const p = await start(5, { esm: { timeoutMs: 2_000 }, wrapHandler: outliveOnce });
    const payloads = streams('redelivery', 2, 6);
    await p.forward(payloads);

    await p.startConsumer();
    await p.drain();

    expect(p.invocations.map((i) => [i.retry, i.verdict.kind])).toEqual([[false, 'error'], [true, 'success']]);
    expect(p.invocations[0]!.verdict).toMatchObject({ error: 'Task timed out after 2.00 seconds' });
    expect(p.summaries[0]!.delivered).toBe(12);
    // The second delivery of the same 12 documents is recognised and skipped.
    expect(p.consumerTotals()).toMatchObject({ delivered: 12, duplicates: { documents: 12, data: 12 } });
    expect(acceptedIds()).toEqual(eventIdsOf(payloads).sort());
  });

  it('a record half delivered is redelivered: its delivered part is not sent again', async () => {
    // 2 records of 3 documents, 2 data per request: the first request ends inside the first record, the second fails.
    const p = await start(2, { consumerEnv: { CONSUMER_MAX_RETRIES: '0' } });
    const payloads = streams('half', 2, 3);
    rx.script({ status: 200 }, { status: 503, body: 'busy' });
    await p.forward(payloads);

    await p.startConsumer();
    await p.drain();

    // Lambda resumes at the first record, which the first request delivered 2 of 3 documents of.
    expect(p.invocations[0]).toMatchObject({ records: 2, verdict: { kind: 'partial', failedIndex: 0 } });
    expect(p.summaries[0]).toMatchObject({ delivered: 2, redelivery: { records: 2, data: 6 } });
    expect(p.invocations[1]).toMatchObject({ records: 2, retry: true, verdict: { kind: 'success' } });
    // The 2 documents delivered before are passed over; the third is resumed after its delivered data.
    expect(p.consumerTotals()).toMatchObject({ delivered: 6, duplicates: { documents: 2, data: 2 } });
    expect(acceptedIds()).toEqual(eventIdsOf(payloads).sort());
  });
});

/**
 * Property: whatever the provider answers (success, failure, retryable, in any order) and however the
 * forwarder writes documents again, one container delivers or drops each datum exactly once, resuming
 * from the sequence numbers it returns (docs/architecture.md#de-duplication).
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnyProvider, MetricData, MetricDatum, SendContext, SendResult } from '../../../shared/consumer/types.ts';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { kinesisEventFromRecords, recordData } from '../../helpers/kinesisEvent.ts';
import { container, doc } from './dedupKit.ts';
import type { TestDocument } from '../../../shared/consumer/testing/kinesisEvent.ts';

type Answer = 'success' | 'failure' | 'retryable';

/** Answers from a script (success once it runs out), keeping what each answer did to each datum. */
class Script {
  readonly delivered: string[] = [];
  readonly dropped: string[] = [];
  private readonly buffers = new WeakMap<object, string[]>();

  constructor(private readonly answers: Answer[], readonly flushAnswers?: Answer[]) {}

  /** A `send` of data with these names. */
  send(names: readonly string[], ctx: SendContext): Promise<SendResult> {
    const answer = this.next(this.answers);
    if (answer.status === 'success') (this.flushAnswers ? this.bufferOf(ctx.invocation) : this.delivered).push(...names);
    if (answer.status === 'failure') this.dropped.push(...names);
    return Promise.resolve(answer);
  }

  flush(ctx: SendContext): Promise<SendResult> {
    const answer = this.next(this.flushAnswers!);
    const buffer = this.bufferOf(ctx.invocation);
    if (answer.status === 'success') this.delivered.push(...buffer);
    if (answer.status === 'failure') this.dropped.push(...buffer);
    if (answer.status !== 'retryable') this.buffers.delete(ctx.invocation);
    return Promise.resolve(answer);
  }

  private next(answers: Answer[]): SendResult {
    const a = answers.shift() ?? 'success';
    if (a === 'success') return { status: 'success' };
    if (a === 'failure') return { status: 'failure', error: new Error('rejected'), reason: 'http_400' };
    return { status: 'retryable', error: new Error('unavailable') };
  }

  private bufferOf(invocation: object): string[] {
    let b = this.buffers.get(invocation);
    if (b === undefined) this.buffers.set(invocation, (b = []));
    return b;
  }
}

/** A plain provider, or a streaming one (it reads each chunk with `forEach`: a retried `send` decodes the chunk's records again). */
function scriptedProvider(script: Script, maxBatchSize: number, streaming: boolean): AnyProvider {
  const base = { name: 'scripted', maxBatchSize, ...(script.flushAnswers ? { flush: (ctx: SendContext) => script.flush(ctx) } : {}) };
  if (!streaming) return { ...base, send: (data: readonly MetricDatum[], ctx: SendContext) => script.send(data.map((d) => d.name), ctx) };
  const send = (data: MetricData, ctx: SendContext) => {
    const names: string[] = [];
    data.forEach((d) => names.push(d.name));
    return script.send(names, ctx);
  };
  return { ...base, streaming: true, send };
}

/** The documents cut into records of the given sizes (the last takes the rest). */
function pack(docs: readonly TestDocument[], sizes: readonly number[]): TestDocument[][] {
  const out: TestDocument[][] = [];
  let i = 0;
  for (let k = 0; i < docs.length; k++) {
    const n = Math.max(1, sizes[k % Math.max(1, sizes.length)] ?? 1);
    out.push(docs.slice(i, i + n));
    i += n;
  }
  return out;
}

const scenario = fc.record({
  dataPerDocument: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 12 }),
  recordSizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
  maxBatchSize: fc.integer({ min: 1, max: 5 }),
  batchSize: fc.integer({ min: 1, max: 6 }),
  withFlush: fc.boolean(),
  streaming: fc.boolean(),
  answers: fc.array(fc.constantFrom<Answer>('success', 'success', 'failure', 'retryable'), { maxLength: 40 }),
  flushAnswers: fc.array(fc.constantFrom<Answer>('success', 'failure', 'retryable'), { maxLength: 10 }),
  // The forwarder writing documents from..from+count again, after invocation `after`, packed anew.
  reforwards: fc.array(fc.record({ after: fc.nat(6), from: fc.nat(11), count: fc.integer({ min: 1, max: 6 }), size: fc.integer({ min: 1, max: 3 }) }), { maxLength: 2 }),
});

describe('de-duplication (property)', () => {
  it('any interleaving of failures, redeliveries and re-forwarded records delivers or drops each datum exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const docs = s.dataPerDocument.map((n, i) => doc(String(i + 1), Array.from({ length: n }, (_, j) => `d${i}_${j}`)));
        // With flush, the part of a document that a `send` failure dropped after an unflushed first part of it is
        // sent again if no flush succeeds (the documented limit): sends then answer success or retryable.
        const answers = s.withFlush ? s.answers.map((a) => (a === 'failure' ? 'success' : a)) : [...s.answers];
        const script = new Script(answers, s.withFlush ? [...s.flushAnswers] : undefined);
        const c = container(scriptedProvider(script, s.maxBatchSize, s.streaming));
        const shard: KinesisStreamRecord[] = [];
        const write = (records: TestDocument[][]) => {
          for (const r of records) {
            const first = 1_000_000_000n + BigInt(shard.length) * 1_000_000n;
            shard.push(kinesisEventFromRecords([recordData(r, {}, 'none')], { firstSequenceNumber: first }).Records[0]!);
          }
        };
        write(pack(docs, s.recordSizes));
        const expected = docs.flatMap((_, i) => Array.from({ length: s.dataPerDocument[i]! }, (_, j) => `d${i}_${j}`));
        let position = 0;
        for (let invocation = 0; position < shard.length; invocation++) {
          if (invocation > 300) throw new Error('no progress');
          const records = shard.slice(position, position + s.batchSize);
          const { response } = await c.invoke({ Records: records });
          const failed = response.batchItemFailures[0]?.itemIdentifier;
          position = failed === undefined ? position + records.length : shard.findIndex((r) => r.kinesis.sequenceNumber === failed);
          for (const f of s.reforwards.filter((x) => x.after === invocation)) {
            write(pack(docs.slice(f.from, f.from + f.count), [f.size]));
          }
        }
        expect([...script.delivered, ...script.dropped].sort()).toEqual([...expected].sort());
        const sum = (k: 'delivered' | 'dataDropped') => c.summaries.reduce((a, x) => a + x[k], 0);
        expect([sum('delivered'), sum('dataDropped')]).toEqual([script.delivered.length, script.dropped.length]);
      }),
      { numRuns: fuzzRuns(500) },
    );
  });
});

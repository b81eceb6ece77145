/** The two kinds of provider: plain ones get arrays of separate data; only `streaming: true` gets the refilled chunk. */
import { describe, expect, it } from 'vitest';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { contractBatch } from '../../../shared/consumer/testing/contractBatch.ts';
import type { MetricData, MetricDatum, Provider, SendResult, StreamingProvider } from '../../../shared/consumer/types.ts';
import { invoke, names, retryable } from './handlerKit.ts';

describe('createConsumerHandler: plain and streaming providers', () => {
  /** 4 records × 3 documents × 3 metrics (every value shape): 9 data a record, so chunks of 7 span records. */
  const batch = () => contractBatch({ tag: 'kinds', records: 4, docsPerRecord: 3, metricsPerDoc: 3, shapes: ['number', 'array', 'statistics'] });
  const ok: SendResult = { status: 'success' };

  /** A plain provider written the way users write them: it reads `length` first, keeps every datum it is given, and reads the data again. */
  class KeepingProvider implements Provider {
    readonly name = 'keeping';
    readonly maxBatchSize = 7;
    readonly kept: MetricDatum[] = [];
    /** Per call: the array, its length read before anything else, and what the second and the nested readings saw. */
    readonly calls: { data: readonly MetricDatum[]; length: number; again: MetricDatum[]; nestedPairs: number }[] = [];
    constructor(private readonly answers: SendResult[] = []) {}

    async send(data: readonly MetricDatum[]): Promise<SendResult> {
      const length = data.length;
      const answer = this.answers.shift() ?? ok;
      if (answer.status === 'success') data.forEach((d) => this.kept.push(d));
      const again: MetricDatum[] = [];
      for (let i = 0; i < data.length; i++) again.push(data[i]!);
      let nestedPairs = 0;
      for (const a of data) for (const b of data) if (a !== b) nestedPairs++;
      this.calls.push({ data, length, again, nestedPairs });
      return answer;
    }
  }

  it('a plain provider that keeps every datum gets correct, separate data in chunks that span records', async () => {
    const { event, expected } = batch();
    const all = expected.flat();
    const provider = new KeepingProvider();
    const { response, summary } = await invoke(provider, event);
    expect(response.batchItemFailures).toEqual([]);
    expect(summary).toMatchObject({ records: 4, data: 36, delivered: 36 });
    // The kept data are the batch's data, each datum its own object, whole (value, unit, properties, source…).
    expect(provider.kept).toEqual(all);
    expect(new Set(provider.kept).size).toBe(all.length);
    expect(provider.calls.map((c) => c.length)).toEqual([7, 7, 7, 7, 7, 1]);
    for (const c of provider.calls) {
      expect(Array.isArray(c.data)).toBe(true);
      // Read again by index: the same objects, in the same order; nested: every pair of distinct data.
      expect(c.again).toEqual([...c.data]);
      c.again.forEach((d, i) => expect(d).toBe(c.data[i]));
      expect(c.nestedPairs).toBe(c.length * (c.length - 1));
    }
  });

  it('a retry hands a plain provider the same array again, and what it kept before is still right', async () => {
    const { event, expected } = batch();
    const provider = new KeepingProvider([ok, retryable(), ok]);
    const { response, summary } = await invoke(provider, event);
    expect(response.batchItemFailures).toEqual([]);
    expect(summary).toMatchObject({ delivered: 36, retries: 1 });
    expect(provider.calls[2]!.data).toBe(provider.calls[1]!.data);
    expect(provider.kept).toEqual(expected.flat());
  });

  it('a streaming provider gets the chunk itself: not an array, one datum object refilled for every datum', async () => {
    const { event, expected } = batch();
    const names: string[] = [];
    const objectsPerCall: number[] = [];
    let arrays = 0;
    const provider: StreamingProvider = {
      name: 'streaming',
      streaming: true,
      maxBatchSize: 7,
      send: async (data: MetricData) => {
        if (Array.isArray(data)) arrays++;
        const objects = new Set<MetricDatum>();
        data.forEach((d) => {
          objects.add(d);
          names.push(d.name);
        });
        objectsPerCall.push(objects.size);
        return ok;
      },
    };
    const { summary } = await invoke(provider, event);
    expect(summary.delivered).toBe(36);
    expect(arrays).toBe(0);
    expect(objectsPerCall).toEqual([1, 1, 1, 1, 1, 1]);
    expect(names).toEqual(expected.flat().map((d) => d.name));
  });

  it('only streaming: true opts in; TypeScript rejects a provider that would get the chunk while it reads arrays', async () => {
    const { event, expected } = batch();
    const arraySend = async (data: readonly MetricDatum[]): Promise<SendResult> => (Array.isArray(data) && data[0] !== undefined ? ok : retryable('not an array'));
    // @ts-expect-error a send that takes arrays cannot opt in to the chunk
    const claimsStreaming: StreamingProvider = { name: 'claims', streaming: true, send: arraySend };
    // @ts-expect-error a plain provider cannot say streaming: true
    const plainStreaming: Provider = { name: 'plain', streaming: true, send: arraySend };
    class MethodTakingArrays {
      readonly name = 'method';
      readonly streaming = true;
      async send(data: readonly MetricDatum[]): Promise<SendResult> {
        return arraySend(data);
      }
    }
    // @ts-expect-error nor a class whose send method takes arrays (send is checked strictly, not as a method)
    createConsumerHandler(new MethodTakingArrays(), { env: {} });
    void [claimsStreaming, plainStreaming];
    // At run time only `true` opts in: anything else (false, a truthy non-boolean from JavaScript) gets arrays.
    for (const streaming of [false, undefined, 'yes', 1]) {
      const kept: MetricDatum[] = [];
      const provider = { name: `streaming=${String(streaming)}`, streaming, send: async (data: readonly MetricDatum[]) => (kept.push(...data), arraySend(data)) } as unknown as Provider;
      const { summary } = await invoke(provider, event);
      expect(summary).toMatchObject({ delivered: 36, retries: 0 });
      expect(kept).toEqual(expected.flat());
    }
  });
});

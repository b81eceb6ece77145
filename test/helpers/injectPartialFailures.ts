/**
 * Injects `ProvisionedThroughputExceededException` partial failures into PutRecords calls made
 * through a real SDK client to a real (kinesalite) stream. The chosen entries are removed from the
 * request before it is sent — so they are really not written — and the response gets a failed
 * entry at their positions, exactly as Kinesis reports a partial failure.
 */
import type { KinesisClient, PutRecordsCommandInput, PutRecordsCommandOutput, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';

export interface InjectionStats {
  calls: number;
  injected: number;
}

/** `shouldFail(callIndex, entryIndex)` decides which entries of which call fail. */
export function injectPartialFailures(client: KinesisClient, shouldFail: (call: number, entry: number) => boolean): InjectionStats {
  const stats: InjectionStats = { calls: 0, injected: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const call = stats.calls++;
      const input = args.input as PutRecordsCommandInput;
      const records = input.Records ?? [];
      const failing = new Set(records.map((_, i) => i).filter((i) => shouldFail(call, i)));
      stats.injected += failing.size;
      const kept = records.filter((_, i) => !failing.has(i));
      const sent = kept.length > 0
        ? ((await next({ ...args, input: { ...input, Records: kept } })) as { output: PutRecordsCommandOutput; response: unknown })
        : { output: { $metadata: {}, FailedRecordCount: 0, Records: [] } as unknown as PutRecordsCommandOutput, response: {} };
      const real = sent.output.Records ?? [];
      let k = 0;
      const merged: PutRecordsResultEntry[] = records.map((_, i) =>
        failing.has(i)
          ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: `Rate exceeded for shard shardId-000000000000 in stream ${input.StreamName} under account 123456789012.` }
          : real[k++]!,
      );
      return { ...sent, output: { ...sent.output, FailedRecordCount: (sent.output.FailedRecordCount ?? 0) + failing.size, Records: merged } };
    },
    { step: 'initialize', name: 'injectPartialFailures' },
  );
  return stats;
}

/**
 * Counts the records that actually reached the stream, from the PutRecords responses themselves
 * (an SDK middleware on the client), so the run can tell how many records each consumer still
 * owed when it ended — including records of a forwarder invocation that later threw.
 */
import type { KinesisClient, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';

export interface WrittenRecords {
  readonly records: number;
  /** Removes the middleware. */
  dispose(): void;
}

const NAME = 'emfFanoutLocalRecordCounter';

export function countWrittenRecords(client: KinesisClient): WrittenRecords {
  const state = { records: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'PutRecordsCommand') {
        const out = result.output as PutRecordsCommandOutput;
        for (const r of out.Records ?? []) if (r.SequenceNumber !== undefined && r.ErrorCode === undefined) state.records++;
      } else if (context.commandName === 'PutRecordCommand') {
        state.records++;
      }
      return result;
    },
    { step: 'initialize', name: NAME, override: true },
  );
  return {
    get records() {
      return state.records;
    },
    dispose: () => void client.middlewareStack.remove(NAME),
  };
}

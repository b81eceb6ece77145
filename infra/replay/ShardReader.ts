/**
 * Reads exactly one failed batch back from its shard: the records from `startSequenceNumber` to
 * `endSequenceNumber` inclusive (sequence numbers compared as BigInt: they are decimal strings of up to
 * 128 bits), while the stream still holds them. Kinesis allows 5 GetRecords calls per second per shard,
 * shared with the consumers reading it, so calls on one shard are at least 200 ms apart.
 */
import {
  GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';

export interface RangeRead {
  records: KinesisRecord[];
  /** Set when the shard (or stream) cannot be read at that position any more: the AWS error, described. */
  unavailable?: string;
}

export interface ShardReaderOptions {
  /** Least time between two GetRecords calls on one shard. @default 200 (5 per second) */
  minIntervalMs?: number;
  /** Upper bound on GetRecords calls for one range, so a stream that keeps growing cannot keep us reading. @default 10,000 */
  maxCalls?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Errors that say the position is gone: the stream or shard was deleted, or the sequence number is not in it any more. */
const GONE = new Set(['ResourceNotFoundException', 'InvalidArgumentException']);

export class ShardReader {
  private readonly lastCall = new Map<string, number>();
  private readonly minIntervalMs: number;
  private readonly maxCalls: number;

  constructor(
    private readonly kinesis: KinesisClient,
    opts: ShardReaderOptions = {},
  ) {
    this.minIntervalMs = opts.minIntervalMs ?? 200;
    this.maxCalls = opts.maxCalls ?? 10_000;
  }

  async readRange(streamName: string, shardId: string, start: string, end: string): Promise<RangeRead> {
    const first = BigInt(start);
    const last = BigInt(end);
    let iterator: string | undefined;
    try {
      const it = await this.kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: start }));
      iterator = it.ShardIterator;
    } catch (e) {
      if (GONE.has((e as Error).name)) return { records: [], unavailable: `${(e as Error).name}: ${(e as Error).message}` };
      throw e;
    }
    const records: KinesisRecord[] = [];
    let lastRead: string | undefined;
    for (let calls = 0; iterator !== undefined && calls < this.maxCalls; calls++) {
      await this.pace(`${streamName}/${shardId}`);
      let r;
      try {
        r = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      } catch (e) {
        const name = (e as Error).name;
        if (name === 'ProvisionedThroughputExceededException') {
          await sleep(1_000);
          continue;
        }
        if (name === 'ExpiredIteratorException') {
          iterator = (await this.kinesis.send(new GetShardIteratorCommand({
            StreamName: streamName, ShardId: shardId,
            ...(lastRead === undefined ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: start } : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: lastRead }),
          }))).ShardIterator;
          continue;
        }
        throw e;
      }
      for (const rec of r.Records ?? []) {
        const seq = BigInt(rec.SequenceNumber ?? '0');
        if (seq > last) return { records };
        lastRead = rec.SequenceNumber;
        if (seq >= first) records.push(rec);
      }
      // Caught up with the tip of the shard: what is not here was never written or is gone.
      if ((r.Records ?? []).length === 0 && (r.MillisBehindLatest ?? 0) === 0) break;
      iterator = r.NextShardIterator;
    }
    return { records };
  }

  private async pace(key: string): Promise<void> {
    const wait = (this.lastCall.get(key) ?? 0) + this.minIntervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    this.lastCall.set(key, Date.now());
  }
}

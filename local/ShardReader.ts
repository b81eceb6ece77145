/**
 * Reads one shard with the real SDK the way Lambda's poller does: GetShardIterator once, then
 * GetRecords with each answer's NextShardIterator, keeping fetched records in a buffer until a
 * batch takes them. After a failed batch the reader is repositioned at a sequence number
 * (AT_SEQUENCE_NUMBER: retry from the failed record; AFTER_SEQUENCE_NUMBER: skip a discarded batch).
 */
import {
  GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { toLambdaRecord, type EventIdentity, type PreparedRecord } from './lambdaKinesis.ts';

/** Where reading (re)starts. */
export type ShardPosition =
  | { type: 'TRIM_HORIZON' | 'LATEST' }
  | { type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

/** GetRecords returns at most 10,000 records per call. */
const GET_RECORDS_MAX = 10_000;

export class ShardReader {
  /** Records fetched but not yet taken into a batch, in sequence order. */
  private buffer: PreparedRecord[] = [];
  private iterator: string | undefined;
  /** Where to ask for a fresh iterator if the current one expires (kinesalite and Kinesis: after 5 minutes). */
  private resume: ShardPosition;
  private isClosed = false;

  constructor(
    private readonly client: KinesisClient,
    readonly shardId: string,
    private readonly identity: EventIdentity,
    start: ShardPosition,
  ) {
    this.resume = start;
  }

  /** True once the shard has no more records (a closed parent shard after resharding). */
  get closed(): boolean {
    return this.isClosed && this.buffer.length === 0;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Gets the first iterator; call before the first `fetch` (fixes the LATEST position at start). */
  async open(signal?: AbortSignal): Promise<void> {
    await this.seek(this.resume, signal);
  }

  /** One GetRecords call appending up to `limit` records to the buffer; returns how many arrived. */
  async fetch(limit: number, signal?: AbortSignal): Promise<number> {
    if (this.isClosed) return 0;
    if (this.iterator === undefined) await this.seek(this.resume, signal);
    let out;
    try {
      out = await this.client.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: Math.min(GET_RECORDS_MAX, Math.max(1, limit)) }), { abortSignal: signal });
    } catch (err) {
      if ((err as Error).name !== 'ExpiredIteratorException') throw err;
      await this.seek(this.resume, signal);
      return 0;
    }
    const records = out.Records ?? [];
    for (const r of records) this.buffer.push(toLambdaRecord(r, this.shardId, this.identity));
    const last = records.at(-1)?.SequenceNumber;
    if (last !== undefined) this.resume = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last };
    this.iterator = out.NextShardIterator;
    if (this.iterator === undefined) this.isClosed = true;
    return records.length;
  }

  /**
   * Takes records from the buffer for a batch: at most `maxCount`, and at most `maxBytes` of record
   * JSON (always at least one record, so a record larger than the limit still gets delivered alone).
   * `full` is true when the batch could not take the next buffered record.
   */
  take(maxCount: number, maxBytes: number): { records: PreparedRecord[]; full: boolean } {
    const records: PreparedRecord[] = [];
    let bytes = 0;
    while (this.buffer.length > 0 && records.length < maxCount) {
      const next = this.buffer[0]!;
      const size = next.bytes + (records.length > 0 ? 1 : 0);
      if (records.length > 0 && bytes + size > maxBytes) return { records, full: true };
      records.push(this.buffer.shift()!);
      bytes += size;
    }
    return { records, full: records.length === maxCount };
  }

  /**
   * Drops the buffer and reads again from `position` (records are re-read with the real API).
   * If getting the iterator fails, the next `fetch` tries again from `position`: reading never
   * goes on from the old iterator, which points past the records to retry.
   */
  async reposition(position: Extract<ShardPosition, { sequenceNumber: string }>, signal?: AbortSignal): Promise<void> {
    this.buffer = [];
    this.isClosed = false;
    this.iterator = undefined;
    this.resume = position;
    await this.seek(position, signal);
  }

  private async seek(position: ShardPosition, signal?: AbortSignal): Promise<void> {
    const type: ShardIteratorType = position.type;
    const out = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.identity.streamName,
        ShardId: this.shardId,
        ShardIteratorType: type,
        ...('sequenceNumber' in position && { StartingSequenceNumber: position.sequenceNumber }),
      }),
      { abortSignal: signal },
    );
    this.iterator = out.ShardIterator;
    this.resume = position;
    if (this.iterator === undefined) this.isClosed = true;
  }
}

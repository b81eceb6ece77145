/**
 * A consumer's parked batches: its event source mapping sends, for each batch it gave up on, an invocation
 * record to the SQS queue of its on-failure destination (infra/serverless/consumers.ts). The record names the
 * batch, not its data (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html):
 *   {"requestContext":{"requestId","functionArn","condition":"RetryAttemptsExhausted"|"RecordAgeExceeded"|…,"approximateInvokeCount"},
 *    "responseContext":{"statusCode","executedVersion","functionError"},"version":"1.0","timestamp":"…",
 *    "KinesisBatchInfo":{"shardId","startSequenceNumber","endSequenceNumber","approximateArrivalOfFirstRecord",
 *                        "approximateArrivalOfLastRecord","batchSize","streamArn"}}
 * (the guide's example: shardId-000000000001, 500 records, stream arn:aws:kinesis:us-east-2:123456789012:stream/mystream;
 * `functionError` may be null, e.g. for RecordAgeExceeded). A replay reads exactly that range back from the shard while the stream still holds it (ShardReader), invokes the
 * consumer with the events the ESM would have built (kinesisEvents.ts) and deletes the message once every
 * invocation answered an empty `batchItemFailures`.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { Progress } from '../../shared/subscriptions/progress.ts';
import { describeValue } from '../../shared/describe.ts';
import { decodeRecord } from '../../shared/record/format.ts';
import { logGroupMatches } from './args.ts';
import { type Collected, countNotSelected, describeFailure, type Filters, inWindow, type ItemResult, type Mode, type ReplayItem, type Source } from './items.ts';
import { parseStreamArn, toEvents } from './kinesisEvents.ts';
import { invokeSync } from './lambdaApi.ts';
import type { ShardReader } from './ShardReader.ts';

export interface BatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  streamArn: string;
  streamName: string;
}

const SEQUENCE = /^\d{1,64}$/;

/** Reads an on-failure record (an SQS message body of at most 1 MiB). */
export function parseBatchRecord(body: string): { info?: BatchInfo; time?: Date; detail: string; problem?: { reason: string; detail: string } } {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { detail: '', problem: { reason: 'message_invalid', detail: 'the message is not JSON: not an on-failure record of an event source mapping' } };
  }
  const r = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  const ctx = (typeof r.requestContext === 'object' && r.requestContext !== null ? r.requestContext : {}) as Record<string, unknown>;
  const resp = (typeof r.responseContext === 'object' && r.responseContext !== null ? r.responseContext : {}) as Record<string, unknown>;
  const detail = describeFailure(ctx.condition, typeof resp.functionError === 'string' ? `function error ${resp.functionError.slice(0, 40)}` : undefined);
  const t = typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : Number.NaN;
  const time = Number.isNaN(t) ? undefined : new Date(t);
  const b = (typeof r.KinesisBatchInfo === 'object' && r.KinesisBatchInfo !== null ? r.KinesisBatchInfo : {}) as Record<string, unknown>;
  const stream = typeof b.streamArn === 'string' ? parseStreamArn(b.streamArn) : undefined;
  if (
    typeof b.shardId !== 'string' || b.shardId.length > 128 || typeof b.startSequenceNumber !== 'string' || !SEQUENCE.test(b.startSequenceNumber) ||
    typeof b.endSequenceNumber !== 'string' || !SEQUENCE.test(b.endSequenceNumber) || !Number.isInteger(b.batchSize) || (b.batchSize as number) < 1 || !stream
  ) {
    return { detail, ...(time ? { time } : {}), problem: { reason: 'message_invalid', detail: 'no usable KinesisBatchInfo (shardId, start/endSequenceNumber, batchSize, streamArn)' } };
  }
  const info: BatchInfo = {
    shardId: b.shardId, startSequenceNumber: b.startSequenceNumber, endSequenceNumber: b.endSequenceNumber,
    batchSize: b.batchSize as number, streamArn: b.streamArn as string, streamName: stream.streamName,
  };
  return { info, ...(time ? { time } : {}), detail };
}

/** Log groups and document count of records; records that cannot be decoded are counted (the consumer counts and skips them too). */
function contents(records: readonly KinesisRecord[]): { logGroups: Set<string>; documents: number; undecodable: number } {
  const out = { logGroups: new Set<string>(), documents: 0, undecodable: 0 };
  for (const r of records) {
    try {
      const rec = decodeRecord(r.Data ?? new Uint8Array());
      out.logGroups.add(rec.logGroup);
      out.documents += rec.documents.length;
    } catch {
      out.undecodable++;
    }
  }
  return out;
}

/** Why a consumer's answer is not a success (ReportBatchItemFailures: an empty or null `batchItemFailures` is one), or undefined. */
function answerProblem(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null) return 'the answer is not a JSON object';
  const list = (answer as { batchItemFailures?: unknown }).batchItemFailures;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return `${list.length} batch item failure(s), from ${describeValue((list[0] as { itemIdentifier?: unknown } | null)?.itemIdentifier)}`;
}

export interface ConsumerSourceDeps {
  name: string;
  sqs: SQSClient;
  lambda: LambdaClient;
  reader: ShardReader;
  queueUrl: string;
  functionName: string;
  roleArn: string;
  visibilityTimeout: number;
  dropExpired: boolean;
  /** Long-polling wait of each ReceiveMessage (an empty answer ends the listing). @default 2 */
  waitSeconds?: number;
}

export class ConsumerSource implements Source {
  readonly name: string;
  private readonly held = new Map<string, { receipt: string; info?: BatchInfo }>();

  constructor(private readonly deps: ConsumerSourceDeps) {
    this.name = deps.name;
  }

  async collect(filters: Filters, progress: Progress): Promise<Collected> {
    const { sqs, queueUrl } = this.deps;
    const items: ReplayItem[] = [];
    const notSelected = new Map<string, number>();
    for (;;) {
      const r = await sqs.send(new ReceiveMessageCommand({
        QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: this.deps.visibilityTimeout, WaitTimeSeconds: this.deps.waitSeconds ?? 2,
      }));
      const messages: Message[] = r.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        const id = m.MessageId ?? '';
        // A standard queue may deliver a message twice: keep the newest receipt handle, list it once.
        const seen = this.held.has(id);
        const parsed = parseBatchRecord(m.Body ?? '');
        this.held.set(id, { receipt: m.ReceiptHandle ?? '', ...(parsed.info ? { info: parsed.info } : {}) });
        if (seen) continue;
        progress.count(`Reading the queue of ${this.name}`, this.held.size);
        if (!inWindow(parsed.time, filters)) {
          countNotSelected(notSelected, parsed.time === undefined ? 'no timestamp' : 'outside --since/--until');
          continue;
        }
        const info = parsed.info;
        const item: ReplayItem = {
          source: this.name, id, ...(parsed.time ? { time: parsed.time } : {}), logGroups: [], detail: parsed.detail,
          ...(parsed.problem ? { problem: parsed.problem } : {}),
        };
        if (info) item.detail = `${info.shardId} ${info.batchSize} record(s); ${parsed.detail}`;
        if (filters.logGroups.length > 0) {
          const read = info ? await this.deps.reader.readRange(info.streamName, info.shardId, info.startSequenceNumber, info.endSequenceNumber) : undefined;
          item.logGroups = read ? [...contents(read.records).logGroups].sort() : [];
          if (!item.logGroups.some((g) => logGroupMatches(g, filters.logGroups))) {
            countNotSelected(notSelected, item.logGroups.length === 0 ? 'log group unknown (records gone or unreadable)' : 'other log group');
            continue;
          }
        }
        items.push(item);
      }
    }
    progress.done();
    return { items, notSelected };
  }

  async replay(item: ReplayItem, mode: Mode): Promise<ItemResult> {
    const held = this.held.get(item.id);
    const base = { item, events: 0, expired: 0 };
    const info = held?.info;
    if (item.problem || !held || !info) return { ...base, outcome: 'left', reason: item.problem?.reason ?? 'message_invalid', detail: item.problem?.detail ?? '' };
    if (mode === 'apply') {
      // The listing took time: give the replay its full visibility timeout.
      await this.deps.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.deps.queueUrl, ReceiptHandle: held.receipt, VisibilityTimeout: this.deps.visibilityTimeout }));
    }
    const read = await this.deps.reader.readRange(info.streamName, info.shardId, info.startSequenceNumber, info.endSequenceNumber);
    const c = contents(read.records);
    item.logGroups = [...c.logGroups].sort();
    const expired = Math.max(0, info.batchSize - read.records.length);
    const counts = { ...base, events: read.records.length, documents: c.documents, expired };
    const notes = [
      expired > 0 ? `${expired} of ${info.batchSize} record(s) past the stream's retention${read.unavailable ? ` (${read.unavailable.slice(0, 120)})` : ''}` : undefined,
      read.records.length > info.batchSize ? `${read.records.length - info.batchSize} record(s) more in the range than the batch held (parallelization factor > 1): replayed too` : undefined,
      c.undecodable > 0 ? `${c.undecodable} record(s) not in the record format (the consumer counts and skips them)` : undefined,
    ].filter((s): s is string => s !== undefined);
    const note = notes.length > 0 ? `; ${notes.join('; ')}` : '';
    if (expired > 0 && !this.deps.dropExpired) {
      return { ...counts, outcome: 'left', reason: 'records_expired', detail: `kept: run with --drop-expired to replay the ${read.records.length} left and delete it${note}` };
    }
    const acknowledged = expired > 0 ? { reason: 'records_expired' } : {};
    if (mode === 'dry-run') return { ...counts, ...acknowledged, outcome: 'would replay', detail: `${read.records.length} record(s), ${c.documents} document(s)${note}` };
    const events = toEvents(read.records, { shardId: info.shardId, streamArn: info.streamArn, roleArn: this.deps.roleArn });
    for (const [i, event] of events.entries()) {
      const r = await invokeSync(this.deps.lambda, this.deps.functionName, JSON.stringify(event));
      const failed = r.functionError ?? answerProblem(r.answer);
      if (failed !== undefined) {
        return { ...counts, outcome: 'left', reason: r.functionError !== undefined ? 'function_error' : 'partial_failure', detail: `invocation ${i + 1} of ${events.length}: ${failed}${note}` };
      }
    }
    await this.deps.sqs.send(new DeleteMessageCommand({ QueueUrl: this.deps.queueUrl, ReceiptHandle: held.receipt }));
    this.held.delete(item.id);
    return { ...counts, ...acknowledged, outcome: 'replayed', detail: `${read.records.length} record(s) in ${events.length} invocation(s)${note}` };
  }

  async release(): Promise<number> {
    let failed = 0;
    for (const [id, h] of this.held) {
      try {
        await this.deps.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.deps.queueUrl, ReceiptHandle: h.receipt, VisibilityTimeout: 0 }));
        this.held.delete(id);
      } catch {
        failed++;
      }
    }
    return failed;
  }
}

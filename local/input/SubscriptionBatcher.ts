/**
 * Cuts log events into genuine CloudWatch Logs subscription events for a Lambda destination:
 * `{"awslogs":{"data": base64(gzip(JSON))}}`, one log group and stream per payload, events in
 * chronological order, at most 10,000 events and 1,048,576 bytes counted as PutLogEvents counts
 * them (UTF-8 message bytes + 26 per event) — the ingestion batch a subscription delivers.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { LogEvent, SubscriptionEvent, SubscriptionPayload } from '../../shared/cloudwatch/subscription.ts';
import type { InputEvent } from './types.ts';

/** PutLogEvents batch limits (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html). */
const CLOUDWATCH_BATCH = { maxEvents: 10_000, maxBytes: 1_048_576, perEventBytes: 26 } as const;
/** Pending events of all streams together; beyond this every stream is flushed (many-stream inputs). */
const MAX_PENDING_BYTES = 16 * 1_048_576;

export interface BatcherOptions {
  /** Account id in `owner`. */
  owner: string;
  subscriptionFilters: readonly string[];
  maxEvents?: number;
  maxBytes?: number;
}

/** One subscription event ready for the forwarder, with what it carries. */
export interface SubscriptionBatch {
  logGroup: string;
  logStream: string;
  events: number;
  event: SubscriptionEvent;
}

interface Pending {
  logGroup: string;
  logStream: string;
  events: InputEvent[];
  bytes: number;
}

let counter = 0;
/** 19 random digits per process, so ids of two runs differ; the counter makes them unique within a run. */
const RUN_DIGITS = (BigInt(`0x${randomBytes(8).toString('hex')}`) % 10n ** 19n).toString().padStart(19, '0');

/** A CloudWatch-like event id: 56 digits — the 13-digit timestamp, a 24-digit counter, 19 digits of this run. */
export function localEventId(timestamp: number): string {
  counter++;
  return `${String(Math.max(0, Math.trunc(timestamp))).padStart(13, '0')}${String(counter).padStart(24, '0')}${RUN_DIGITS}`;
}

/**
 * Encodes a payload as CloudWatch Logs delivers it to Lambda: JSON → gzip → base64. Compression
 * level 1: any level is the same gzip format to the reader, and the fastest keeps the local run quick.
 */
function encodeSubscriptionEvent(payload: SubscriptionPayload): SubscriptionEvent {
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(payload), 'utf8'), { level: 1 }).toString('base64') } };
}

export class SubscriptionBatcher {
  private readonly pending = new Map<string, Pending>();
  private pendingBytes = 0;
  private readonly maxEvents: number;
  private readonly maxBytes: number;

  constructor(private readonly opts: BatcherOptions) {
    this.maxEvents = opts.maxEvents ?? CLOUDWATCH_BATCH.maxEvents;
    this.maxBytes = opts.maxBytes ?? CLOUDWATCH_BATCH.maxBytes;
  }

  /** Events waiting for their batch to be cut. */
  get pendingEvents(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.events.length;
    return n;
  }

  /** Adds an event; returns the batches this completed (an event that does not fit closes its stream's batch). */
  add(e: InputEvent): SubscriptionBatch[] {
    const key = `${e.logGroup}\u0000${e.logStream}`;
    const size = Buffer.byteLength(e.message, 'utf8') + CLOUDWATCH_BATCH.perEventBytes;
    const out: SubscriptionBatch[] = [];
    let p = this.pending.get(key);
    if (p && (p.events.length >= this.maxEvents || p.bytes + size > this.maxBytes)) {
      out.push(this.cut(key, p));
      p = undefined;
    }
    if (!p) {
      p = { logGroup: e.logGroup, logStream: e.logStream, events: [], bytes: 0 };
      this.pending.set(key, p);
    }
    // An event larger than a whole batch travels alone (the forwarder then judges it).
    p.events.push(e);
    p.bytes += size;
    this.pendingBytes += size;
    if (this.pendingBytes > MAX_PENDING_BYTES) out.push(...this.flush());
    return out;
  }

  /** Cuts every pending batch (end of input, or the periodic flush of a streaming input). */
  flush(): SubscriptionBatch[] {
    const out: SubscriptionBatch[] = [];
    for (const [key, p] of [...this.pending]) out.push(this.cut(key, p));
    return out;
  }

  private cut(key: string, p: Pending): SubscriptionBatch {
    this.pending.delete(key);
    this.pendingBytes -= p.bytes;
    // CloudWatch batches are chronological; the sort is stable, so equal timestamps keep input order.
    const ordered = [...p.events].sort((a, b) => a.timestamp - b.timestamp);
    const logEvents: LogEvent[] = ordered.map((e) => ({ id: e.id ?? localEventId(e.timestamp), timestamp: e.timestamp, message: e.message }));
    const payload: SubscriptionPayload = {
      messageType: 'DATA_MESSAGE',
      owner: this.opts.owner,
      logGroup: p.logGroup,
      logStream: p.logStream,
      subscriptionFilters: [...this.opts.subscriptionFilters],
      logEvents,
    };
    return { logGroup: p.logGroup, logStream: p.logStream, events: logEvents.length, event: encodeSubscriptionEvent(payload) };
  }
}

/**
 * The forwarder's parked events: Lambda writes one S3 object per asynchronous invocation that failed after
 * its retries, key `aws/lambda/async/<function>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`, JSON
 * `{version, timestamp, requestContext{condition, approximateInvokeCount, …}, requestPayload, responseContext,
 * responsePayload{errorType, errorMessage}}` (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
 * `requestPayload` is the CloudWatch Logs event itself, replayed by invoking the deployed forwarder
 * synchronously (an asynchronous event is at most 1 MB, the synchronous limit 6 MB), and the object is deleted
 * once the forwarder answered without error: its documents are on the stream.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { decodeSubscriptionEvent } from '../../shared/cloudwatch/subscription.ts';
import { describeValue } from '../../shared/describe.ts';
import { DecodeError } from '../../shared/errors.ts';
import type { Progress } from '../../shared/subscriptions/progress.ts';
import { logGroupMatches } from './args.ts';
import { type Collected, countNotSelected, describeFailure, type Filters, inWindow, type ItemResult, type Mode, type ReplayItem, type Source } from './items.ts';
import { invokeSync } from './lambdaApi.ts';

/** Objects larger than this are not read (an invocation record holds at most a 1 MB event and a 1 MB answer). */
export const MAX_OBJECT_BYTES = 8 * 1024 * 1024;
/** The forwarder's own cap on a decompressed payload (`MAX_DECOMPRESSED_BYTES` default). */
const MAX_DECOMPRESSED_BYTES = 32 * 1024 * 1024;

const KEY_TIME = /(\d{4})-(\d{2})-(\d{2})T(\d{2})\.(\d{2})\.(\d{2})-[^/]*$/;

/** The time in an async invocation record's key (UTC), or undefined when the key is not laid out that way. */
export function keyTime(key: string): Date | undefined {
  const m = KEY_TIME.exec(key);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(t) ? undefined : new Date(t);
}

const pad = (n: number) => String(n).padStart(2, '0');
function keyPrefixAt(prefix: string, t: Date): string {
  const d = `${t.getUTCFullYear()}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}`;
  return `${prefix}${d}/${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}.${pad(t.getUTCMinutes())}.${pad(t.getUTCSeconds())}`;
}

interface Parsed {
  payload?: unknown;
  events: number;
  logGroup?: string;
  detail: string;
  problem?: { reason: string; detail: string };
}

/** Reads an invocation record's text: never more than its parsed JSON, and the payload decoded with the forwarder's cap. */
export function parseAsyncRecord(text: string): Parsed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { events: 0, detail: '', problem: { reason: 'record_json_invalid', detail: `not JSON: ${(e as Error).message.slice(0, 120)}` } };
  }
  const r = (typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? doc : {}) as Record<string, unknown>;
  const ctx = (typeof r.requestContext === 'object' && r.requestContext !== null ? r.requestContext : {}) as Record<string, unknown>;
  const resp = (typeof r.responsePayload === 'object' && r.responsePayload !== null ? r.responsePayload : {}) as Record<string, unknown>;
  const error = typeof resp.errorType === 'string' ? `${resp.errorType.slice(0, 80)}: ${describeValue(resp.errorMessage)}` : undefined;
  const detail = describeFailure(ctx.condition, error);
  if (!Object.hasOwn(r, 'requestPayload')) return { events: 0, detail, problem: { reason: 'record_shape_invalid', detail: 'no requestPayload: not an asynchronous invocation record' } };
  try {
    const p = decodeSubscriptionEvent(r.requestPayload, MAX_DECOMPRESSED_BYTES);
    return { payload: r.requestPayload, events: p.logEvents.length, logGroup: p.logGroup, detail };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { events: 0, detail, problem: { reason: e.reason, detail: e.message.slice(0, 200) } };
  }
}

export interface ForwarderSourceDeps {
  s3: S3Client;
  lambda: LambdaClient;
  bucket: string;
  functionName: string;
}

export class ForwarderSource implements Source {
  readonly name = 'forwarder';
  private readonly prefix: string;
  private readonly events = new Map<string, number>();

  constructor(private readonly deps: ForwarderSourceDeps) {
    this.prefix = `aws/lambda/async/${deps.functionName}/`;
  }

  async collect(filters: Filters, progress: Progress): Promise<Collected> {
    const { s3, bucket } = this.deps;
    const items: ReplayItem[] = [];
    const notSelected = new Map<string, number>();
    let token: string | undefined;
    let listed = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({
        Bucket: bucket, Prefix: this.prefix,
        ...(token ? { ContinuationToken: token } : filters.since ? { StartAfter: keyPrefixAt(this.prefix, filters.since) } : {}),
      }));
      for (const o of page.Contents ?? []) {
        progress.count(`Reading s3://${bucket}/${this.prefix}`, ++listed);
        const key = o.Key ?? '';
        const time = keyTime(key);
        if (!inWindow(time, filters)) {
          countNotSelected(notSelected, time === undefined ? 'no time in its key' : 'outside --since/--until');
          continue;
        }
        const item: ReplayItem = { source: this.name, id: key, ...(time ? { time } : {}), logGroups: [], detail: '' };
        const read = (o.Size ?? 0) > MAX_OBJECT_BYTES ? tooLarge(o.Size ?? 0) : await this.read(key);
        if (read === undefined) continue; // deleted meanwhile
        item.detail = read.detail;
        if (read.logGroup !== undefined) item.logGroups.push(read.logGroup);
        if (read.problem) item.problem = read.problem;
        if (filters.logGroups.length > 0 && (read.logGroup === undefined || !logGroupMatches(read.logGroup, filters.logGroups))) {
          countNotSelected(notSelected, read.logGroup === undefined ? 'log group unknown (unreadable)' : 'other log group');
          continue;
        }
        this.events.set(key, read.events);
        items.push(item);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    progress.done();
    return { items, notSelected };
  }

  async replay(item: ReplayItem, mode: Mode): Promise<ItemResult> {
    const base = { item, events: this.events.get(item.id) ?? 0, expired: 0 };
    if (item.problem) return { ...base, outcome: 'left', reason: item.problem.reason, detail: item.problem.detail };
    if (mode === 'dry-run') return { ...base, outcome: 'would replay', detail: `${base.events} log event(s)` };
    const read = await this.read(item.id);
    if (read === undefined) return { ...base, outcome: 'gone', detail: 'deleted meanwhile (replayed by another run?)' };
    if (read.problem || read.payload === undefined) return { ...base, outcome: 'left', reason: read.problem?.reason ?? 'record_shape_invalid', detail: read.problem?.detail ?? '' };
    const r = await invokeSync(this.deps.lambda, this.deps.functionName, JSON.stringify(read.payload));
    if (r.functionError !== undefined) return { ...base, outcome: 'left', reason: 'function_error', detail: `the forwarder failed again: ${r.functionError}` };
    await this.deps.s3.send(new DeleteObjectCommand({ Bucket: this.deps.bucket, Key: item.id }));
    const forwarded = (r.answer as { forwardedDocuments?: unknown } | undefined)?.forwardedDocuments;
    return {
      ...base, outcome: 'replayed', events: read.events,
      ...(typeof forwarded === 'number' ? { documents: forwarded } : {}),
      detail: typeof forwarded === 'number' ? `${forwarded} document(s) forwarded` : 'forwarded',
    };
  }

  release(): Promise<number> {
    return Promise.resolve(0);
  }

  /** The object's record, read with a byte range so no more than MAX_OBJECT_BYTES + 1 bytes ever arrive; undefined when gone. */
  private async read(key: string): Promise<Parsed | undefined> {
    let bytes: Uint8Array;
    try {
      const o = await this.deps.s3.send(new GetObjectCommand({ Bucket: this.deps.bucket, Key: key, Range: `bytes=0-${MAX_OBJECT_BYTES}` }));
      bytes = (await o.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (e) {
      if ((e as Error).name === 'NoSuchKey') return undefined;
      throw e;
    }
    if (bytes.length > MAX_OBJECT_BYTES) return tooLarge(bytes.length);
    return parseAsyncRecord(Buffer.from(bytes).toString('utf8'));
  }
}

function tooLarge(size: number): Parsed {
  return { events: 0, detail: '', problem: { reason: 'object_too_large', detail: `${size} bytes, over the ${MAX_OBJECT_BYTES} this tool reads: not an invocation record of the forwarder` } };
}

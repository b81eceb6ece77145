/**
 * The consumer side's contract. A provider receives normalised metric data and never sees
 * Kinesis, base64, gzip or the record format; `createConsumerHandler(provider)` does all of that.
 */
import type { EmfUnit, StorageResolution } from '../emf/constants.ts';
import type { DocumentOrigin } from '../record/format.ts';
import type { Logger } from '../log/logger.ts';

/**
 * A statistic set (`{Values?, Counts?, Sum, Min, Max, Count}` in EMF), normalised. `counts[i]` is how
 * many times `values[i]` was observed. CloudWatch takes the sample count from the sum of `Counts`
 * when present (the `Count` field is then ignored), otherwise from `Count`.
 */
export interface StatisticSet {
  sum: number;
  min: number;
  max: number;
  /** Sample count: sum(Counts) when Values/Counts are present, else `Count`. */
  count: number;
  values?: readonly number[];
  counts?: readonly number[];
}

/**
 * The value of one metric datum, in the EMF member's own shape (checked, never copied for numbers
 * and arrays, so a datum costs one object):
 * - a number: one observation;
 * - a non-empty array of numbers: each element is one observation, as CloudWatch counts them;
 * - a `StatisticSet`.
 * Tell them apart with `typeof v === 'number'`, then `isStatisticSet(v)`; what is left is the array.
 */
export type MetricValue = number | readonly number[] | StatisticSet;

/** True for the statistic-set shape of a `MetricValue`. */
export function isStatisticSet(v: MetricValue): v is StatisticSet {
  return typeof v === 'object' && !Array.isArray(v);
}

/** Where a datum came from. */
export interface DatumSource {
  account: string;
  region: string;
  logGroup: string;
  logStream: string;
  /** CloudWatch Logs event id of the log event that carried the document. */
  eventId: string;
  origin: DocumentOrigin;
}

/** One metric of one dimension set of one directive of one EMF document: what CloudWatch would publish as one metric. */
export interface MetricDatum {
  namespace: string;
  name: string;
  /** `None` when the definition has no Unit. */
  unit: EmfUnit;
  storageResolution: StorageResolution;
  /** `_aws.Timestamp`, ms since the epoch. */
  timestamp: number;
  value: MetricValue;
  /** The dimensions of this datum's dimension set, in the set's order (Object key order). */
  dimensions: Readonly<Record<string, string>>;
  /** The union of the dimensions of every set of the directive (for providers that want one series per metric). */
  directiveDimensions: Readonly<Record<string, string>>;
  /** Every other root member (not `_aws`, not a metric member, not a dimension of this set); nested objects kept. */
  properties: Readonly<Record<string, unknown>>;
  source: DatumSource;
}

/**
 * The data of one `send`, in order: array-like, read with `forEach`. A plain `MetricDatum[]` is
 * one; the handler's chunks are another, which decode their records while `forEach` runs and
 * hand `fn` ONE datum object, refilled for each datum (a batch holds tens of thousands of data:
 * an object each would cost more than everything else). So read the datum inside `fn`; to keep
 * it, copy it (`{ ...d }`). Its `dimensions`, `directiveDimensions`, `properties`, `source` and
 * `value` are not refilled, only pointed elsewhere: keeping those is fine, and data of one
 * dimension set of one document share the same objects (cache by identity).
 * A chunk is best read once, reducing as it goes: reading it again decodes its records again,
 * `length` before the first `forEach` makes it hold every datum, and inside the first `forEach`
 * neither `length` nor another `forEach` of the same chunk is available (both throw).
 */
export interface MetricData {
  readonly length: number;
  forEach(fn: (d: MetricDatum, index: number) => void): void;
}

export interface SendContext {
  /** Epoch ms by which `send` must have returned (the handler keeps a safety margin before Lambda's deadline). */
  deadline: number;
  /**
   * One object per handler invocation, the same in every `send` and `flush` of it. A provider that
   * buffers until `flush` keys its buffer by it: invocations of one process (as `npm start` runs
   * shards) never mix, and an invocation that gave up leaves nothing behind once it is gone.
   */
  invocation: object;
  logger: Logger;
  /** Aborted when the deadline passes. */
  signal: AbortSignal;
}

/**
 * The outcome of one `send`:
 * - `success`: delivered.
 * - `retryable`: not delivered, may succeed later (5xx, 429, network). `retryAfterMs` honours `Retry-After`.
 * - `failure`: will never succeed (a 4xx other than 429): the data is counted as dropped with `reason`
 *   and logged with the receiver's message; it is NOT retried and does not block the shard.
 */
export type SendResult =
  | { status: 'success' }
  | { status: 'retryable'; error: Error; retryAfterMs?: number }
  | {
      status: 'failure';
      error: Error;
      reason: string;
      /**
       * How many data were lost, by reason, when not all of them were (for example one request of ten
       * rejected, or data over a series limit). Absent: every datum of the call is lost under `reason`.
       */
      dropped?: Readonly<Record<string, number>>;
    };

export interface Provider {
  /** Short name used in logs and counters, e.g. `prometheus`. */
  readonly name: string;
  /**
   * Delivers `data` (a chunk of at most `maxBatchSize` data; see `MetricData` before keeping a datum).
   * A retry passes the same `data` object again. Must not throw: return a `SendResult`.
   */
  send(data: MetricData, ctx: SendContext): Promise<SendResult>;
  /** Largest number of data per `send`; the handler splits larger batches. Default: unlimited. */
  readonly maxBatchSize?: number;
  /** Completes any buffered sends before the handler returns (Lambda freezes the sandbox afterwards). */
  flush?(ctx: SendContext): Promise<SendResult>;
}

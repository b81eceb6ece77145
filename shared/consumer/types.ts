/**
 * The consumer side's contract. A provider receives normalised metric data and never sees
 * Kinesis, base64, gzip or the record format; `createConsumerHandler(provider)` does all of that.
 *
 * Two kinds of provider:
 * - `Provider`, the default, what you write: `send` gets a plain array of separate `MetricDatum`
 *   objects, each of which may be kept.
 * - `StreamingProvider`, an opt-in (`streaming: true`) for providers that reduce their data as
 *   they read it (the built-in Prometheus and StatsD): `send` gets `MetricData`, whose `forEach`
 *   refills one datum object, so no object is made per datum.
 */
import type { EmfUnit, StorageResolution } from '../emf/constants.ts';
import type { DocumentOrigin } from '../record/format.ts';
import type { DeclaredType } from './metricKind.ts';
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
  /**
   * The type the document declared for the metric (`"Type"` in its definition); undefined when it declared
   * none. Only documents of origin `cloudwatch` (the metrics scraper's) declare one: the member is not read
   * in any other. Providers resolve it with the unit and their overrides with `resolveType` (metricKind.ts).
   */
  type?: DeclaredType;
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
 * The data of one `send` to a `StreamingProvider`, in order: array-like, read with `forEach`. A plain
 * `MetricDatum[]` is one; the handler's chunks are another, which decode their records while `forEach`
 * runs and hand `fn` ONE datum object, refilled for each datum (a batch holds tens of thousands of data:
 * an object each would cost more than everything else). So read the datum inside `fn`; to keep it, copy
 * it (`{ ...d }`). Its `dimensions`, `directiveDimensions`, `properties`, `source` and `value` are not
 * refilled, only pointed elsewhere: keeping those is fine, and data of one dimension set of one document
 * share the same objects (cache by identity).
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
 * - `retryable`: not delivered, may succeed later (5xx, 429, network). `retryAfterMs` honours `Retry-After`;
 *   `Infinity` means not in this invocation (the handler stops at once and Lambda redelivers).
 *   `delivered` (a provider without `flush` only): the first `delivered` data of the call were settled all
 *   the same (delivered, or lost for good as `dropped` counts by reason); when the handler gives up, Lambda then redelivers from the first datum after them, so a
 *   provider whose receiver does not de-duplicate (Datadog distributions add up) never sends them twice.
 * - `failure`: will never succeed (a 4xx other than 429): the data is counted as dropped with `reason`
 *   and logged with the receiver's message; it is NOT retried and does not block the shard.
 */
export type SendResult =
  | { status: 'success' }
  | {
      status: 'retryable';
      error: Error;
      retryAfterMs?: number;
      /** See above: the first `delivered` data of the call are settled (a provider without `flush` only). */
      delivered?: number;
      /** Of those `delivered` data, the ones lost for good (dropped, rejected), by reason. */
      dropped?: Readonly<Record<string, number>>;
    }
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

/** What every provider has, whichever way it reads its data. */
interface ProviderBase {
  /** Short name used in logs and counters, e.g. `prometheus`. */
  readonly name: string;
  /** Largest number of data per `send`; the handler splits larger batches. Default: unlimited. */
  readonly maxBatchSize?: number;
  /** Completes any buffered sends before the handler returns (Lambda freezes the sandbox afterwards). */
  flush?(ctx: SendContext): Promise<SendResult>;
}

/**
 * A provider: what you implement to send metric data somewhere (README.md#adding-a-provider).
 *
 * @example
 * class MyProvider implements Provider {
 *   readonly name = 'mine';
 *   async send(data: readonly MetricDatum[], ctx: SendContext): Promise<SendResult> { … }
 * }
 */
export interface Provider extends ProviderBase {
  /** Absent or `false`: `send` gets plain data. `true` is `StreamingProvider`'s opt-in. */
  readonly streaming?: false;
  // A property, not a method: TypeScript then checks the parameter strictly (no method bivariance),
  // so a `send` that takes arrays can never pass for a StreamingProvider's.
  /**
   * Delivers `data`: a chunk of at most `maxBatchSize` data, in record order, as an array of its own.
   * Every datum is a separate object that may be kept (buffered until `flush`, say); `length`,
   * indexing and iterating any number of times, nested too, all work. Data of one dimension set of
   * one document share their `dimensions`, `directiveDimensions`, `properties` and `source` objects,
   * and data of one directive their array and statistic-set `value`s: read-only, and a provider may
   * cache by identity. A retry passes the same array again. Must not throw: return a `SendResult`.
   */
  readonly send: (data: readonly MetricDatum[], ctx: SendContext) => Promise<SendResult>;
}

/**
 * The opt-in fast path of the built-in providers: `send` gets the handler's chunk itself, a
 * `MetricData` that decodes its records while `forEach` runs and refills one datum object (no
 * object per datum; see `MetricData` for what that rules out). For providers that reduce their
 * data as they read them; a provider that keeps data is a plain `Provider`.
 */
export interface StreamingProvider extends ProviderBase {
  readonly streaming: true;
  /** As `Provider.send`, but `data` is read once with `forEach`, copying what is kept. A retry passes the same `data` again. */
  readonly send: (data: MetricData, ctx: SendContext) => Promise<SendResult>;
}

/** Either kind of provider: what `createConsumerHandler` takes (it looks at `streaming` to know which). */
export type AnyProvider = Provider | StreamingProvider;

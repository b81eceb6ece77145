/**
 * The parked items `npm run replay` finds, what happened to each, and the one interface both kinds of
 * source (the forwarder's bucket, a consumer's queue) implement.
 */
import type { Progress } from '../../shared/subscriptions/progress.ts';

export interface ReplayItem {
  /** `forwarder`, or the consumer's name. */
  source: string;
  /** The S3 key, or the SQS message id. */
  id: string;
  /** When it was parked: the key's time (S3), the record's `timestamp` (SQS). */
  time?: Date;
  /** The log groups of its documents, when known (`?` in the table otherwise). */
  logGroups: string[];
  /** Why Lambda parked it: condition and error, bounded. */
  detail: string;
  /** Set when the item cannot be replayed as it is: a reason code and its explanation. */
  problem?: { reason: string; detail: string };
}

type Outcome =
  /** Invoked without error and deleted. */
  | 'replayed'
  /** --dry-run: read, decoded and counted; nothing invoked. */
  | 'would replay'
  /** Left where it is (reason given). */
  | 'left'
  /** Removed by another run meanwhile. */
  | 'gone';

export interface ItemResult {
  item: ReplayItem;
  outcome: Outcome;
  /** Reason code of a `left` item, or of a loss acknowledged with --drop-expired. */
  reason?: string;
  detail: string;
  /** Log events (forwarder) or Kinesis records (consumer) replayed or counted. */
  events: number;
  /** EMF documents, when known. */
  documents?: number;
  /** Records of the batch no longer in the stream. */
  expired: number;
}

export interface Filters {
  since?: Date;
  until?: Date;
  logGroups: readonly string[];
}

export interface Collected {
  items: ReplayItem[];
  /** Parked items the filters left out, by why. */
  notSelected: Map<string, number>;
}

export type Mode = 'dry-run' | 'apply';

/** A place where one function parks its failures. */
export interface Source {
  readonly name: string;
  /** Lists (and, as far as the filters need, reads) the parked items. Read-only. */
  collect(filters: Filters, progress: Progress): Promise<Collected>;
  /** Replays one item; throws only when an AWS call fails (the run then stops). */
  replay(item: ReplayItem, mode: Mode): Promise<ItemResult>;
  /** Makes what was received but not deleted visible again at once (queues); answers how many could not be. */
  release(): Promise<number>;
}

export function inWindow(time: Date | undefined, f: Filters): boolean {
  if (f.since === undefined && f.until === undefined) return true;
  if (time === undefined) return false;
  return (f.since === undefined || time.getTime() >= f.since.getTime()) && (f.until === undefined || time.getTime() < f.until.getTime());
}

export function countNotSelected(m: Map<string, number>, why: string): void {
  m.set(why, (m.get(why) ?? 0) + 1);
}

/** One line of a parked record's condition and error, for the DETAIL column. */
export function describeFailure(condition: unknown, error: string | undefined): string {
  const c = typeof condition === 'string' ? condition.slice(0, 40) : 'unknown condition';
  return error ? `${c}; ${error}` : c;
}

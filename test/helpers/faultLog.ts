/**
 * The log events the fault suite sends (docs/faults.md): every log event is one EMF document of one
 * datum, a Count `Hits = 1` in namespace `Faults` with the dimension `Scenario`, each at its own
 * millisecond. So a receiver's count is the number of documents it got: a StatsD counter sums to it,
 * Prometheus holds one sample per document, an HTTP receiver one line per document (with its event id).
 */
import type { SubscriptionPayload } from '../../shared/cloudwatch/subscription.ts';
import { subscriptionPayload } from '../fixtures/generate.ts';

export interface HitOptions {
  /** @default 'faults-<scenario>' */
  logStream?: string;
  /** @default '/aws/lambda/faults' */
  logGroup?: string;
  /** Timestamp of the first document; the next ones follow 1 ms apart. @default now − n ms */
  firstTimestamp?: number;
  /** @default 'Hits' */
  metric?: string;
}

/** One EMF line: `Faults.<metric>{Scenario=<scenario>} = 1` (Count) at `timestamp`. */
function hitLine(scenario: string, timestamp: number, metric = 'Hits'): string {
  return JSON.stringify({
    _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: 'Faults', Dimensions: [['Scenario']], Metrics: [{ Name: metric, Unit: 'Count' }] }] },
    Scenario: scenario,
    [metric]: 1,
  });
}

/** A subscription payload of `n` log events of one log stream, each one document of one datum (see the file comment). */
export function hitPayload(scenario: string, n: number, o: HitOptions = {}): SubscriptionPayload {
  const first = o.firstTimestamp ?? Date.now() - n;
  return subscriptionPayload({
    logGroup: o.logGroup ?? '/aws/lambda/faults',
    logStream: o.logStream ?? `faults-${scenario}`,
    events: Array.from({ length: n }, (_, i) => ({ timestamp: first + i, message: hitLine(scenario, first + i, o.metric) })),
  });
}

/** The log event ids of payloads, in order. */
export const eventIdsOf = (payloads: readonly SubscriptionPayload[]): string[] => payloads.flatMap((p) => p.logEvents.map((e) => e.id));

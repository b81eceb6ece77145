/**
 * The pipeline's own metrics as EMF documents (docs/monitoring.md#what-is-published): pure functions
 * from an invocation's summary to the text of the document(s) the function prints into its own log
 * group. Names come from `names.ts`; nothing here reads the environment or writes anywhere
 * (`PipelineMetricsPublisher.ts` does).
 *
 * Limits kept (the EMF specification; docs/monitoring.md#limits): one directive of at most 100 metric
 * definitions, one dimension, every metric value a count (an integer) or, for `Lag`, an array of at
 * most 100 samples. A consumer invocation with more than 100 lag samples prints further documents
 * holding only `Lag`, 100 samples each, so that every sample is published.
 */
import { byReason, CONSUMER_METRICS, FORWARDER_METRICS, PIPELINE_DIMENSION, PIPELINE_NAMESPACE, SCRAPER_METRICS } from './names.ts';

/** A reason becomes part of a metric name: at most this many characters of `[A-Za-z0-9_]`. */
const MAX_REASON_LENGTH = 64;
/** Per-reason metrics of one total in one document; the smallest of the others are summed under `<total>.other`. */
export const MAX_REASONS_PER_TOTAL = 30;
/** Samples of an EMF array value (the specification's limit). */
const MAX_VALUES_PER_METRIC = 100;

/** What the forwarder counts in one invocation (`ForwarderSummary` in functions/forwarder/forwarder.ts has these fields). */
export interface ForwarderCounts {
  readonly logEvents: number;
  readonly emfDocuments: number;
  readonly platformDocuments: number;
  readonly forwardedDocuments: number;
  readonly records: number;
  readonly retriedEntries: number;
  readonly skipped: Readonly<Record<string, number>>;
  readonly rejected: Readonly<Record<string, number>>;
}

/** What a consumer counts in one invocation (`ConsumerSummary` in shared/consumer/summary.ts has these fields). */
export interface ConsumerCounts {
  readonly records: number;
  readonly documents: number;
  readonly data: number;
  readonly delivered: number;
  /** By reason, each in its reason's unit (`DROP_REASONS`); any other key is a provider's `failure` reason. */
  readonly dropped: Readonly<Record<string, number>>;
  readonly dataDropped: number;
  readonly calls: number;
  readonly retries: number;
  readonly redelivery?: { readonly records: number };
  readonly duplicates: { readonly documents: number; readonly data: number };
  /** `valuesMs`: the samples published as `Lag` (the consumer keeps at most 100, see `LagDistribution`). */
  readonly lag: { readonly documents: number; readonly valuesMs: readonly number[] };
}

/** What the metrics scraper counts in one run (`ScraperSummary` in functions/metrics-scraper/scraper.ts has these fields). */
export interface ScraperCounts {
  readonly metrics: number;
  readonly skipped: Readonly<Record<string, number>>;
  readonly queries: number;
  readonly calls: number;
  readonly listCalls: number;
  readonly retries: number;
  readonly failedQueries: Readonly<Record<string, number>>;
  readonly documents: number;
  readonly records: number;
  readonly retriedEntries: number;
}

/** Who publishes and when. */
export interface DocumentContext {
  /** The `FunctionName` dimension: the Lambda function's name. */
  functionName: string;
  /** `_aws.Timestamp`, milliseconds since the epoch. */
  timestamp: number;
}

type Unit = 'Count' | 'Milliseconds';

/** A reason as a metric name part: `[A-Za-z0-9_]` only (anything else becomes `_`), at most 64 characters, never empty. */
export function sanitizeReason(reason: string): string {
  const clean = reason.slice(0, MAX_REASON_LENGTH).replace(/[^A-Za-z0-9_]/g, '_');
  return clean === '' ? '_' : clean;
}

/**
 * The per-reason counts of one total, ready to publish: names sanitised (reasons that become the same
 * name are added up), zero and invalid counts left out, at most `MAX_REASONS_PER_TOTAL` reasons, the
 * largest (ties by name); the rest summed under `other`. The sum of the result is the sum of the input's
 * positive counts.
 */
function reasonCounts(counts: Readonly<Record<string, number>>): Map<string, number> {
  const merged = new Map<string, number>();
  for (const [reason, n] of Object.entries(counts)) {
    if (!(Number.isFinite(n) && n > 0)) continue;
    const name = sanitizeReason(reason);
    merged.set(name, (merged.get(name) ?? 0) + n);
  }
  if (merged.size <= MAX_REASONS_PER_TOTAL) return merged;
  const ranked = [...merged].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // One slot is `other`; a reason already named `other` keeps its count there.
  const kept = ranked.filter(([name]) => name !== 'other').slice(0, MAX_REASONS_PER_TOTAL - 1);
  const out = new Map(kept);
  let other = 0;
  for (const [name, n] of ranked) if (!out.has(name)) other += n;
  out.set('other', other);
  return out;
}

/** Builds one document: metrics in the order added, one directive, dimension `FunctionName`. */
class DocumentBuilder {
  private readonly definitions: { Name: string; Unit: Unit }[] = [];
  private readonly values = new Map<string, number | readonly number[]>();

  constructor(private readonly context: DocumentContext) {}

  add(name: string, value: number | readonly number[], unit: Unit = 'Count'): this {
    this.definitions.push({ Name: name, Unit: unit });
    this.values.set(name, value);
    return this;
  }

  /** `<total>` (the sum of the reasons' counts) and `<total>.<reason>` for each reason. */
  addByReason(total: string, counts: Readonly<Record<string, number>>): this {
    const reasons = reasonCounts(counts);
    let sum = 0;
    for (const n of reasons.values()) sum += n;
    this.add(total, sum);
    for (const [reason, n] of reasons) this.add(byReason(total, reason), n);
    return this;
  }

  text(): string {
    const root: Record<string, unknown> = {
      _aws: {
        Timestamp: this.context.timestamp,
        CloudWatchMetrics: [{ Namespace: PIPELINE_NAMESPACE, Dimensions: [[PIPELINE_DIMENSION]], Metrics: this.definitions }],
      },
      [PIPELINE_DIMENSION]: this.context.functionName === '' ? 'unknown' : this.context.functionName,
    };
    for (const [name, value] of this.values) root[name] = value;
    return JSON.stringify(root);
  }
}

/** A count as published: a finite number, else 0 (the summaries are this project's own integers). */
const count = (n: number): number => (Number.isFinite(n) ? n : 0);

/** The forwarder's document for one invocation. */
export function forwarderMetricsDocument(s: ForwarderCounts, context: DocumentContext): string {
  const m = FORWARDER_METRICS;
  return new DocumentBuilder(context)
    .add(m.logEvents, count(s.logEvents))
    .add(m.emfDocuments, count(s.emfDocuments))
    .add(m.platformDocuments, count(s.platformDocuments))
    .add(m.documentsForwarded, count(s.forwardedDocuments))
    .add(m.records, count(s.records))
    .add(m.kinesisRetries, count(s.retriedEntries))
    .addByReason(m.documentsRejected, s.rejected)
    .addByReason(m.eventsSkipped, s.skipped)
    .text();
}

/**
 * A consumer's documents for one invocation: the first holds every count and the first 100 lag samples;
 * each further one the next 100 samples (`Lag` only). Samples that are not finite numbers are left out.
 */
export function consumerMetricsDocuments(s: ConsumerCounts, context: DocumentContext): string[] {
  const m = CONSUMER_METRICS;
  const lag = s.lag.valuesMs.filter((v) => Number.isFinite(v));
  const first = new DocumentBuilder(context)
    .add(m.records, count(s.records))
    .add(m.documents, count(s.documents))
    .add(m.data, count(s.data))
    .add(m.dataDelivered, count(s.delivered))
    .add(m.recordsRedelivered, count(s.redelivery?.records ?? 0))
    .add(m.duplicateDocuments, count(s.duplicates.documents))
    .add(m.providerCalls, count(s.calls))
    .add(m.providerRetries, count(s.retries));
  // DataDropped is the data-unit total the summary computed; the per-reason metrics are in each reason's unit.
  first.add(m.dataDropped, count(s.dataDropped));
  for (const [reason, n] of reasonCounts(s.dropped)) first.add(byReason(m.dataDropped, reason), n);
  if (lag.length > 0) first.add(m.lag, lag.slice(0, MAX_VALUES_PER_METRIC), 'Milliseconds');
  const out = [first.text()];
  for (let i = MAX_VALUES_PER_METRIC; i < lag.length; i += MAX_VALUES_PER_METRIC) {
    out.push(new DocumentBuilder(context).add(m.lag, lag.slice(i, i + MAX_VALUES_PER_METRIC), 'Milliseconds').text());
  }
  return out;
}

/** The metrics scraper's document for one run. */
export function scraperMetricsDocument(s: ScraperCounts, context: DocumentContext): string {
  const m = SCRAPER_METRICS;
  return new DocumentBuilder(context)
    .add(m.metrics, count(s.metrics))
    .add(m.queries, count(s.queries))
    .add(m.calls, count(s.calls))
    .add(m.listCalls, count(s.listCalls))
    .add(m.retries, count(s.retries))
    .add(m.documentsWritten, count(s.documents))
    .add(m.records, count(s.records))
    .add(m.kinesisRetries, count(s.retriedEntries))
    .addByReason(m.metricsSkipped, s.skipped)
    .addByReason(m.queriesFailed, s.failedQueries)
    .text();
}

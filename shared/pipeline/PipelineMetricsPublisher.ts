/**
 * Prints the pipeline's own metrics (docs/monitoring.md#what-is-published): one line per EMF document,
 * written whole to a sink. In Lambda the sink is standard output: a line written with
 * `process.stdout.write` reaches CloudWatch Logs as it is (no `console.log` prefix), and CloudWatch
 * turns it into metrics. Publishing never throws into the invocation: a sink that fails loses the
 * metrics, not the invocation's work, and says so on stderr.
 */
import { optionalBool, optionalString, type Env } from '../config/env.ts';
import { consumerMetricsDocuments, forwarderMetricsDocument, scraperMetricsDocument, type ConsumerCounts, type ForwarderCounts, type ScraperCounts } from './PipelineMetrics.ts';

/** Receives one EMF document per call, as one line ending in `\n`. */
export type MetricsSink = (line: string) => void;

/** Standard output: the function's own log group in Lambda. */
export const stdoutSink: MetricsSink = (line) => {
  process.stdout.write(line);
};

export interface PublishOptions {
  /** The `FunctionName` dimension. */
  functionName: string;
  /** @default stdoutSink */
  sink?: MetricsSink;
  /** @default Date.now */
  now?: () => number;
}

function write(lines: readonly string[], opts: PublishOptions): void {
  const sink = opts.sink ?? stdoutSink;
  try {
    for (const line of lines) sink(`${line}\n`);
  } catch (err) {
    process.stderr.write(`pipeline metrics not published: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

const contextOf = (opts: PublishOptions) => ({ functionName: opts.functionName, timestamp: Math.trunc((opts.now ?? Date.now)()) });

/** Prints the forwarder's document for one invocation. */
export function publishForwarderMetrics(summary: ForwarderCounts, opts: PublishOptions): void {
  write([forwarderMetricsDocument(summary, contextOf(opts))], opts);
}

/** Prints the metrics scraper's document for one run. */
export function publishScraperMetrics(summary: ScraperCounts, opts: PublishOptions): void {
  write([scraperMetricsDocument(summary, contextOf(opts))], opts);
}

/** Prints a consumer's document(s) for one invocation. */
function publishConsumerMetrics(summary: ConsumerCounts, opts: PublishOptions): void {
  write(consumerMetricsDocuments(summary, contextOf(opts)), opts);
}

/** The setting, read at cold start: `PIPELINE_METRICS` (default true); a bad value throws a `ConfigError` naming it. */
export function pipelineMetricsEnabled(env: Env): boolean {
  return optionalBool(env, 'PIPELINE_METRICS', true);
}

/** The dimension's value: `AWS_LAMBDA_FUNCTION_NAME` (Lambda sets it), else `fallback` (locally: `forwarder`, the provider's name). */
export function pipelineFunctionName(env: Env, fallback: string): string {
  return optionalString(env, 'AWS_LAMBDA_FUNCTION_NAME', fallback);
}

/**
 * For a consumer: built once at cold start (a bad `PIPELINE_METRICS` fails there), called with every
 * invocation's summary. With `PIPELINE_METRICS=false` it does nothing.
 *
 * @example
 * const publishMetrics = createConsumerMetricsPublisher(process.env, { fallbackName: provider.name });
 * publishMetrics(summary); // once per invocation, after the summary is complete
 */
export function createConsumerMetricsPublisher(env: Env, opts: { fallbackName: string; sink?: MetricsSink; now?: () => number }): (summary: ConsumerCounts) => void {
  if (!pipelineMetricsEnabled(env)) return () => undefined;
  const publish: PublishOptions = { functionName: pipelineFunctionName(env, opts.fallbackName), ...(opts.sink && { sink: opts.sink }), ...(opts.now && { now: opts.now }) };
  return (summary) => publishConsumerMetrics(summary, publish);
}

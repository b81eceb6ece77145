/**
 * The command line of `npm start` (Node's `util.parseArgs`; no package). Everything a provider
 * or the forwarder needs comes from the same environment variables as in production; the flags
 * only shape the local run.
 */
import { parseArgs } from 'node:util';
import type { Env } from '../shared/config/env.ts';
import { INPUT_FORMATS, type InputFormat } from './input/types.ts';
import { UsageError } from '../shared/errors.ts';

/** What `--show` prints: what the Prometheus, the StatsD or the Datadog provider would send. */
const SHOW_TARGETS = ['prometheus', 'statsd', 'datadog'] as const;
type ShowTarget = (typeof SHOW_TARGETS)[number];

export const USAGE = `Usage: npm start -- [INPUT] [options]

Runs the whole emf-fanout pipeline on this machine: input → CloudWatch Logs subscription payloads →
the forwarder → an embedded Kinesis stream → one event source mapping and consumer per provider.

INPUT
  (none)                 the bundled sample: real aws-embedded-metrics / Powertools / Lambda output;
                         with --cloudwatch, no log input: only the recording is replayed
  -                      standard input, e.g.  node app.js | npm start -- -
  FILE                   raw log lines, 'aws logs filter-log-events' JSON, or event records
                         A FILE or standard input must be in one of these formats, or npm start says
                         so after the summary and exits 2: at least one log event read from JSON
                         (a filter-log-events page, an event record), or one line that holds an EMF
                         document (valid or not) or is a Lambda log line (START/END/REPORT RequestId:,
                         Task timed out, <ISO time><TAB><request id><TAB>…, Lambda's JSON log format).
                         Not so: a binary file, JSON of another shape, an app's output without any EMF
                         document, an empty input.

Options
  --format F             auto | lines | filter-log-events | events   (default auto)
  --log-group NAME       log group of events that carry none          (default /aws/lambda/local)
  --log-stream NAME      log stream of events that carry none         (default YYYY/MM/DD/[$LATEST]<hex>)
  --rebase               move the input's times so the newest event is now (old exports), and
                         --cloudwatch's by whole periods so the newest period is the current one
  --cloudwatch FILE      also replay a recorded GetMetricData call: FILE holds the request and the
                         response as the AWS CLI reads and prints them (docs/local.md, "Replaying
                         CloudWatch metrics"); its metrics are written to the stream as the metrics
                         scraper writes them, before the INPUT is read
  --shards N             shards of the embedded stream                (default 1)
  --batch-size N         event source mapping BatchSize, 1–10000      (default 100)
  --batching-window S    MaximumBatchingWindowInSeconds, 0–300        (default 0)
  --max-retries N        MaximumRetryAttempts; --max-retries=-1: for ever (default 2)
  --timeout S            consumer function timeout in seconds         (default 10)
  --handler FILE         also run the Kinesis handler FILE exports as 'handler' (repeatable)
  --show WHAT            after the summary, print on stdout what a provider would send, instead of
                         sending it (repeat --show, or write a list such as prometheus,statsd):
                         prometheus  the remote-write series, each with its labels and latest value, in
                                     the text exposition format; every PROM_RW_* setting applies (e.g.
                                     PROM_RW_MODE=samples); PROM_RW_URL may be unset and, if set, is not
                                     contacted; credentials are not fetched
                         statsd      the exact StatsD lines, in the order sent; every STATSD_* setting
                                     applies (style, prefix, tags, types, datagram size); the real
                                     provider sends them over UDP to a listener in this process on
                                     127.0.0.1, never to STATSD_HOST, which may be unset
                         datadog     each request to Datadog's API: POST and its URL, then its JSON body
                                     (before compression); every DD_* setting applies; DD_URL or
                                     DD_SITE only decide the URL printed, which is not contacted;
                                     DD_API_KEY_REF may be unset and, if set, is not fetched
  --prometheus-preview   an alias of --show prometheus
  --pipeline-metrics     after the summary (and --show), print on stdout the pipeline's own metrics
                         the run's invocations would publish (EmfFanout/Pipeline, docs/monitoring.md):
                         per function, each metric's sum, and Lag's percentiles; PIPELINE_METRICS applies
  --no-console           do not print the data (console provider off)
  --quiet                console provider counts only
  -h, --help             this text

Providers (same variables as the deployed consumers)
  PROM_RW_URL=…          Prometheus remote write (and every PROM_RW_* setting)
  STATSD_HOST=…          StatsD / DogStatsD (and every STATSD_* setting)
  DD_API_KEY_REF=…       Datadog's HTTP API (and every DD_* setting)
  EXAMPLE_HTTP_URL=…     the example JSON-lines HTTP provider
  LOG_LEVEL=…            handlers' JSON logs on stderr (default warn)

Exit code
  0                      nothing lost
  1                      something lost (the summary names it)
  2                      bad usage or configuration (a bad option or provider setting, a malformed
                         --cloudwatch FILE, an INPUT, --cloudwatch FILE or
                         --handler FILE that cannot be read or loaded, a Node.js older than package.json's
                         engines), or an INPUT with nothing usable in it (see INPUT)
  3                      an unexpected error (a bug: its stack is printed)
`;

export interface CliOptions {
  help: boolean;
  /** undefined: the bundled sample; '-': standard input; else a file path. */
  input?: string;
  format: InputFormat;
  logGroup: string;
  logStream?: string;
  rebase: boolean;
  shards: number;
  batchSize: number;
  batchingWindowMs: number;
  maxRetryAttempts: number;
  timeoutMs: number;
  handlers: string[];
  console: boolean;
  quiet: boolean;
  /**
   * `--show`: these providers send to an in-process sink instead of their server, and what it
   * received is printed after the summary, in this order (each once).
   */
  show: ShowTarget[];
  /** `--cloudwatch FILE`: a recorded GetMetricData call to replay (absent: none). */
  cloudwatch?: string;
  /** `--pipeline-metrics`: print the pipeline metrics the run's invocations would publish, last (absent: no). */
  pipelineMetrics?: true;
}

export { UsageError };

function int(name: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v.trim())) throw new UsageError(`--${name} must be an integer, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/**
 * Reads the command line. `env` only matters for npm's `npm_config_show`: `npm start --show statsd`
 * (without `--`) reaches the script as the INPUT `statsd` and `npm_config_show=true`, and
 * `npm start --show=statsd` as `npm_config_show=statsd`; both are read as `--show statsd`.
 */
export function parseCli(argv: readonly string[], env: Env = {}): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      allowNegative: true,
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        format: { type: 'string', default: 'auto' },
        'log-group': { type: 'string', default: '/aws/lambda/local' },
        'log-stream': { type: 'string' },
        rebase: { type: 'boolean', default: false },
        cloudwatch: { type: 'string' },
        shards: { type: 'string' },
        'batch-size': { type: 'string' },
        'batching-window': { type: 'string' },
        'max-retries': { type: 'string' },
        timeout: { type: 'string' },
        handler: { type: 'string', multiple: true, default: [] },
        console: { type: 'boolean', default: true },
        quiet: { type: 'boolean', default: false },
        show: { type: 'string', multiple: true, default: [] },
        'prometheus-preview': { type: 'boolean', default: false },
        'pipeline-metrics': { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  const positionals = [...parsed.positionals];
  const show = [...values.show];
  if (values['prometheus-preview']) show.push('prometheus');
  // `npm start --show statsd`, without `--`: npm takes --show as its own setting (npm_config_show).
  const npmShow = env.npm_config_show;
  if (npmShow !== undefined && npmShow !== '') {
    if (npmShow !== 'true') show.push(npmShow);
    else if (positionals[0] !== undefined && isShowList(positionals[0])) show.push(positionals.shift()!);
    else throw new UsageError('npm read --show as its own option, without its value; write npm start -- --show prometheus (or statsd, or datadog)');
  }
  if (positionals.length > 1) throw new UsageError(`expected at most one INPUT, got ${positionals.length}: ${positionals.join(' ')}`);
  const format = values.format as InputFormat;
  if (!(INPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${INPUT_FORMATS.join(', ')}, got "${format}"`);
  return {
    help: values.help,
    ...(positionals[0] !== undefined && { input: positionals[0] }),
    format,
    logGroup: values['log-group'],
    ...(values['log-stream'] !== undefined && { logStream: values['log-stream'] }),
    rebase: values.rebase,
    ...(values.cloudwatch !== undefined && { cloudwatch: values.cloudwatch }),
    shards: int('shards', values.shards, 1, 1, 64),
    batchSize: int('batch-size', values['batch-size'], 100, 1, 10_000),
    batchingWindowMs: int('batching-window', values['batching-window'], 0, 0, 300) * 1_000,
    maxRetryAttempts: int('max-retries', values['max-retries'], 2, -1, 10_000),
    timeoutMs: int('timeout', values.timeout, 10, 1, 900) * 1_000,
    handlers: values.handler,
    console: values.console,
    quiet: values.quiet,
    show: parseShow(show),
    ...(values['pipeline-metrics'] && { pipelineMetrics: true as const }),
  };
}

const isShowList = (v: string) => v.split(',').every((t) => (SHOW_TARGETS as readonly string[]).includes(t.trim()));

/** `--show` values (each possibly a comma-separated list) → the targets, in order, each once. */
function parseShow(values: readonly string[]): ShowTarget[] {
  const out: ShowTarget[] = [];
  for (const v of values) {
    for (const t of v.split(',').map((x) => x.trim())) {
      if (!(SHOW_TARGETS as readonly string[]).includes(t)) throw new UsageError(`--show must be one of ${SHOW_TARGETS.join(', ')}, got "${t}"`);
      if (!out.includes(t as ShowTarget)) out.push(t as ShowTarget);
    }
  }
  return out;
}

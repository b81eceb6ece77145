/**
 * The command line of `npm start` (Node's `util.parseArgs`; no package). Everything a provider
 * or the forwarder needs comes from the same environment variables as in production; the flags
 * only shape the local run.
 */
import { parseArgs } from 'node:util';
import { INPUT_FORMATS, type InputFormat } from './input/types.ts';
import { UsageError } from '../shared/errors.ts';

export const USAGE = `Usage: npm start -- [INPUT] [options]

Runs the whole emf-fanout pipeline on this machine: input → CloudWatch Logs subscription payloads →
the forwarder → an embedded Kinesis stream → one event source mapping and consumer per provider.

INPUT
  (none)                 the bundled sample: real aws-embedded-metrics / Powertools / Lambda output
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
  --rebase               move the input's times so the newest event is now (old exports)
  --shards N             shards of the embedded stream                (default 1)
  --batch-size N         event source mapping BatchSize, 1–10000      (default 100)
  --batching-window S    MaximumBatchingWindowInSeconds, 0–300        (default 0)
  --max-retries N        MaximumRetryAttempts; --max-retries=-1: for ever (default 2)
  --timeout S            consumer function timeout in seconds         (default 10)
  --handler FILE         also run the Kinesis handler FILE exports as 'handler' (repeatable)
  --prometheus-preview   run the Prometheus provider without a receiver and, after the summary, print
                         the series it wrote (latest value each) in the text exposition format;
                         PROM_RW_URL may be unset and, if set, is not contacted (every other PROM_RW_*
                         setting applies, e.g. PROM_RW_MODE=samples; credentials are not fetched)
  --no-console           do not print the data (console provider off)
  --quiet                console provider counts only
  -h, --help             this text

Providers (same variables as the deployed consumers)
  PROM_RW_URL=…          Prometheus remote write (and every PROM_RW_* setting)
  STATSD_HOST=…          StatsD / DogStatsD (and every STATSD_* setting)
  EXAMPLE_HTTP_URL=…     the example JSON-lines HTTP provider
  LOG_LEVEL=…            handlers' JSON logs on stderr (default warn)

Exit code
  0                      nothing lost
  1                      something lost (the summary names it)
  2                      bad usage or configuration (a bad option or provider setting, an INPUT or
                         --handler FILE that cannot be read or loaded), or an INPUT with nothing usable
                         in it (see INPUT)
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
  /** `--prometheus-preview`: the Prometheus provider writes to an in-process sink, whose series are printed. */
  prometheusPreview: boolean;
}

export { UsageError };

function int(name: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v.trim())) throw new UsageError(`--${name} must be an integer, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function parseCli(argv: readonly string[]): CliOptions {
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
        shards: { type: 'string' },
        'batch-size': { type: 'string' },
        'batching-window': { type: 'string' },
        'max-retries': { type: 'string' },
        timeout: { type: 'string' },
        handler: { type: 'string', multiple: true, default: [] },
        console: { type: 'boolean', default: true },
        quiet: { type: 'boolean', default: false },
        'prometheus-preview': { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
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
    shards: int('shards', values.shards, 1, 1, 64),
    batchSize: int('batch-size', values['batch-size'], 100, 1, 10_000),
    batchingWindowMs: int('batching-window', values['batching-window'], 0, 0, 300) * 1_000,
    maxRetryAttempts: int('max-retries', values['max-retries'], 2, -1, 10_000),
    timeoutMs: int('timeout', values.timeout, 10, 1, 900) * 1_000,
    handlers: values.handler,
    console: values.console,
    quiet: values.quiet,
    prometheusPreview: values['prometheus-preview'],
  };
}

/**
 * `npm start`: the whole pipeline on one machine, with no AWS account and no configuration.
 * See `cli.ts` for the options and `pipeline.ts` for what runs. The data (and, last, what `--show`
 * prints: the Prometheus series, the StatsD lines, the Datadog requests) go to stdout; progress, the
 * handlers' warnings and the summary go to stderr. Exit code (`USAGE` documents it): 0 when nothing was lost, 1 when something was (the
 * summary names it), 2 on bad usage or configuration (an INPUT, --handler or --cloudwatch FILE that cannot be read,
 * loaded or is malformed included) or when INPUT matched no known format (`input/recognise.ts`; said after the
 * summary), 3 when the run failed on an unexpected error (its stack is printed). An unsupported
 * Node.js stops it first, with exit code 2 (`infra/nodeVersion.ts`).
 */
import '../infra/nodeVersion.ts'; // first: an unsupported Node.js stops here, with one line
import { randomBytes } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Env } from '../shared/config/env.ts';
import { EmfFanoutError } from '../shared/errors.ts';
import { createLineLogger, parseLogLevel } from '../shared/log/logger.ts';
import { parseCli, USAGE, UsageError, type CliOptions } from './cli.ts';
import { parseCloudwatchRecording, rebaseReplay, type CloudwatchReplay } from './cloudwatchRecording.ts';
import { DatadogPreview } from './datadogPreview.ts';
import { rebaseEvents } from './input/rebase.ts';
import { readInput } from './input/readInput.ts';
import { InputRecognition } from './input/recognise.ts';
import { loadSample } from './input/sample.ts';
import type { InputEvent } from './input/types.ts';
import type { KinesisHandler } from './esm.ts';
import { runLocalPipeline, type LocalProvider, type Progress } from './pipeline.ts';
import { pipelineMetricsEnabled } from '../shared/pipeline/PipelineMetricsPublisher.ts';
import { PipelineMetricsPreview } from './PipelineMetricsPreview.ts';
import { PrometheusPreview } from './prometheusPreview.ts';
import { createLocalProviders } from './providers.ts';
import { StatsdPreview } from './statsdPreview.ts';
import { exitCodeOf, renderSummary, type InputStats, type RunSummary } from './summary.ts';

/** Where `runMain` reads and writes; the real process in `npm start`, buffers in tests. */
export interface MainIo {
  env: Env;
  stdin: Readable;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Aborted on the first Ctrl-C/SIGTERM (finish what was read) and on the second (stop now). */
  interrupt?: { stopInput: AbortSignal; abort: AbortSignal };
  /** Progress interval (tests shorten it). @default 2000 */
  progressIntervalMs?: number;
  /** Receives the run's account before it is printed (tests, wrappers). */
  onSummary?: (summary: RunSummary) => void;
}

const n = (v: number) => v.toLocaleString('en-US');

function defaultLogStream(): string {
  return `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/** The largest `--cloudwatch` file read (a GetMetricData response of 500 queries × 100,800 datapoints is far less). */
const MAX_RECORDING_BYTES = 64 * 1024 * 1024;

/** `--cloudwatch FILE`: the recording read, checked and (with `--rebase`) moved to the present; a bad file is a `UsageError`. */
function loadCloudwatch(file: string, rebase: boolean): CloudwatchReplay {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new UsageError(`--cloudwatch ${file} is not a file`);
    if (st.size > MAX_RECORDING_BYTES) throw new UsageError(`--cloudwatch ${file} is larger than ${MAX_RECORDING_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw err instanceof UsageError ? err : new UsageError(`cannot read --cloudwatch ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--cloudwatch ${file} is not JSON: ${(err as Error).message}`);
  }
  try {
    const replay = parseCloudwatchRecording(json);
    return rebase ? rebaseReplay(replay, Date.now()) : replay;
  } catch (err) {
    throw err instanceof UsageError ? new UsageError(`--cloudwatch ${file}: ${err.message}`) : err;
  }
}

/** The input's events: the bundled sample (none with `--cloudwatch`), a file, or standard input (streamed unless `--rebase`). */
async function openInput(cli: CliOptions, io: MainIo, stats: InputStats, recognition?: InputRecognition): Promise<AsyncIterable<InputEvent> | Iterable<InputEvent>> {
  if (cli.input === undefined) return cli.cloudwatch === undefined ? loadSample(Date.now()) : [];
  let stream: Readable = io.stdin;
  if (cli.input !== '-') {
    try {
      if (!statSync(cli.input).isFile()) throw new UsageError(`INPUT ${cli.input} is not a file`);
    } catch (err) {
      throw err instanceof UsageError ? err : new UsageError(`cannot read INPUT ${cli.input}: ${(err as Error).message}`);
    }
    stream = createReadStream(cli.input);
  }
  const events = readInput(stream, {
    format: cli.format,
    defaults: { logGroup: cli.logGroup, logStream: cli.logStream ?? defaultLogStream(), now: Date.now },
    onIssue: (issue) => {
      stats.issues[issue.reason] = (stats.issues[issue.reason] ?? 0) + 1;
      stats.examples[issue.reason] ??= issue.detail;
    },
    onBlankLine: () => void stats.blankLines++,
    ...(recognition && { recognition }),
  });
  if (!cli.rebase) return events;
  const all: InputEvent[] = [];
  for await (const e of events) all.push(e);
  return rebaseEvents(all, Date.now());
}

/** `--handler FILE`: a module exporting a Kinesis `handler`, run as its own consumer. */
async function loadHandlers(files: readonly string[], taken: Set<string>): Promise<LocalProvider[]> {
  const out: LocalProvider[] = [];
  for (const file of files) {
    const path = resolve(file);
    try {
      if (!statSync(path).isFile()) throw new UsageError(`--handler ${file} is not a file`);
    } catch (err) {
      throw err instanceof UsageError ? err : new UsageError(`cannot read --handler ${file}: ${(err as Error).message}`);
    }
    let mod: { handler?: unknown };
    try {
      mod = (await import(pathToFileURL(path).href)) as { handler?: unknown };
    } catch (err) {
      throw new UsageError(`cannot load --handler ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof mod.handler !== 'function') throw new UsageError(`--handler ${file} does not export a function named "handler"`);
    let name = basename(path).replace(/\.[cm]?[jt]s$/, '') === 'handler' ? basename(dirname(path)) : basename(path).replace(/\.[cm]?[jt]s$/, '');
    while (taken.has(name)) name = `${name}'`;
    taken.add(name);
    out.push({ name, handler: mod.handler as KinesisHandler });
  }
  return out;
}

function renderProgress(p: Progress): string {
  const consumers = p.providers.map((c) => `${c.name} ${n(c.delivered)} data points/${n(c.recordsProcessed)} records`).join(' · ');
  return `… ${p.phase}: ${n(p.logEvents)} log events read · ${n(p.forwardedDocuments)} documents forwarded in ${n(p.records)} records · ${consumers}\n`;
}

/** Runs `npm start` with `argv` (without node and the script) and returns the exit code. */
export async function runMain(argv: readonly string[], io: MainIo): Promise<number> {
  let cli: CliOptions;
  try {
    cli = parseCli(argv, io.env);
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (cli.help) {
    io.stdout(USAGE);
    return 0;
  }
  const input: InputStats = { logEvents: 0, blankLines: 0, issues: {}, examples: {} };
  // Whether a file or standard input was in a known format (the bundled sample always is).
  const recognition = cli.input === undefined ? undefined : new InputRecognition();
  const logger = createLineLogger({ level: parseLogLevel(io.env.LOG_LEVEL ?? 'warn'), write: (line) => io.stderr(`${line}\n`) });
  const prometheusPreview = cli.show.includes('prometheus') ? new PrometheusPreview() : undefined;
  const statsdPreview = cli.show.includes('statsd') ? new StatsdPreview() : undefined;
  const datadogPreview = cli.show.includes('datadog') ? new DatadogPreview() : undefined;
  const pipelineMetrics = cli.pipelineMetrics ? new PipelineMetricsPreview() : undefined;
  try {
    const cloudwatch = cli.cloudwatch === undefined ? undefined : loadCloudwatch(cli.cloudwatch, cli.rebase);
    const providers = await createLocalProviders(io.env, {
      console: cli.console, quiet: cli.quiet, write: io.stdout,
      ...(prometheusPreview && { prometheusPreview }), ...(statsdPreview && { statsdPreview }), ...(datadogPreview && { datadogPreview }),
    });
    providers.push(...(await loadHandlers(cli.handlers, new Set(providers.map((p) => p.name)))));
    if (providers.length === 0) throw new UsageError('no provider to run: --no-console and no PROM_RW_URL, STATSD_HOST, DD_API_KEY_REF, EXAMPLE_HTTP_URL, --show or --handler');
    const shown = (p: LocalProvider) => ((cli.show as readonly string[]).includes(p.name) ? `${p.name} (preview, nothing sent)` : p.name);
    const logs = cli.input === undefined ? (cli.cloudwatch === undefined ? 'the bundled sample' : undefined) : cli.input === '-' ? 'standard input' : cli.input;
    const from = [...(logs === undefined ? [] : [`${logs} → forwarder`]), ...(cli.cloudwatch === undefined ? [] : [`${cli.cloudwatch} (CloudWatch metrics, as the scraper writes them)`])].join(' + ');
    io.stderr(`emf-fanout local: ${from} → embedded Kinesis (${cli.shards} shard${cli.shards > 1 ? 's' : ''}) → ${providers.map(shown).join(', ')}\n`);
    const summary = await runLocalPipeline({
      events: await openInput(cli, io, input, recognition),
      providers,
      env: io.env,
      logger,
      input,
      shards: cli.shards,
      esm: { batchSize: cli.batchSize, batchingWindowMs: cli.batchingWindowMs, maxRetryAttempts: cli.maxRetryAttempts, timeoutMs: cli.timeoutMs },
      ...(io.interrupt && { stopInput: io.interrupt.stopInput, abort: io.interrupt.abort }),
      onProgress: (p) => io.stderr(renderProgress(p)),
      progressIntervalMs: io.progressIntervalMs ?? 2_000,
      ...(pipelineMetrics && { pipelineMetrics: pipelineMetrics.sink }),
      ...(cloudwatch && { cloudwatch }),
    });
    io.onSummary?.(summary);
    io.stderr(renderSummary(summary));
    // What each provider would send, after the summary, on stdout (with the data, so it can be piped).
    await statsdPreview?.close();
    const previews = { prometheus: prometheusPreview, statsd: statsdPreview, datadog: datadogPreview } as const;
    for (const target of cli.show) io.stdout(previews[target]!.render());
    if (pipelineMetrics) io.stdout(pipelineMetrics.render(pipelineMetricsEnabled(io.env)));
    if (statsdPreview && statsdPreview.lost > 0) io.stderr(`warning: ${statsdPreview.lost} StatsD datagram(s) did not reach the preview's listener; the lines printed are incomplete\n`);
    // Before loss: an input in no known format held no data to lose (its lines were plain), so 2 says more than 1.
    const unusable = recognition?.problem(input.issues);
    if (unusable !== undefined) {
      io.stderr(`error: ${unusable}. npm start -- --help lists the formats it reads.\n`);
      return 2;
    }
    return exitCodeOf(summary);
  } catch (err) {
    if (err instanceof UsageError || err instanceof EmfFanoutError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    // The listener, if the run stopped before the pipeline closed the provider.
    await statsdPreview?.close();
  }
}

/** The process wiring: signals, real streams, exit code. */
async function cli(): Promise<void> {
  const stopInput = new AbortController();
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopInput.signal.aborted) {
      process.stderr.write(`\n${signal}: no more input; forwarding and draining what was read (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to stop at once)\n`);
      stopInput.abort();
      // Standard input would otherwise keep the process waiting for a producer that may never close it.
      process.stdin.destroy();
    } else if (!abort.signal.aborted) {
      process.stderr.write(`\n${signal}: stopping now; what was not processed is reported as lost\n`);
      abort.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `npm start … | head`: a reader that stops early (the preview is printed last) is not a failure of the run.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const code = await runMain(process.argv.slice(2), {
    env: process.env,
    stdin: process.stdin,
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    interrupt: { stopInput: stopInput.signal, abort: abort.signal },
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.exitCode = code;
  // Everything is closed by now; this only matters if a library left a handle open.
  setTimeout(() => process.exit(code), 3_000).unref();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli().catch((err: unknown) => {
    process.stderr.write(`emf-fanout local failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 3;
  });
}

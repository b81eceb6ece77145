/**
 * `npm start` end to end through its own code path (`runMain`, the function `main.ts` runs) into a
 * real Prometheus (Debian's package, remote-write receiver) and the real npm `statsd` daemon, on
 * input from the fixture generator (real producer libraries): every expected series arrives, the
 * summary's counts match the fixtures' own expectations, and the exit code tells whether anything
 * was lost. Also: standard input (streamed), `aws logs filter-log-events` JSON, and Ctrl-C on the
 * real process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain, type MainIo } from '../../../local/main.ts';
import type { RunSummary } from '../../../local/summary.ts';
import { getFixtureLines, type FixtureLine } from '../../fixtures/generate.ts';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheus.ts';
import { CumulativeOracle, cumulativeMismatches } from '../../helpers/prometheusExpect.ts';
import { startStatsdDaemon, type StatsdDaemon } from '../../helpers/statsdDaemon.ts';
import { expectedCounts } from './fixtureExpect.ts';
import { expectStatsd, expectStatsdHolds } from './statsdExpect.ts';

let prom: PrometheusServer;
let statsd: StatsdDaemon;
let lines: FixtureLine[];
let dir: string;

beforeAll(async () => {
  [prom, statsd, lines] = await Promise.all([startPrometheus(), startStatsdDaemon(), getFixtureLines()]);
  dir = mkdtempSync(join(tmpdir(), 'emf-fanout-local-'));
});
afterAll(async () => {
  await Promise.all([prom?.stop(), statsd?.dispose()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts `npm start`'s code with captured output; `stdout()` shows what it printed so far. */
function launch(argv: string[], env: Record<string, string>, stdin: Readable = Readable.from([])) {
  let stdout = '';
  let stderr = '';
  let summary: RunSummary | undefined;
  const io: MainIo = { env, stdin, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), onSummary: (s) => (summary = s) };
  const done = runMain(argv, io).then((code) => ({ code, stdout: () => stdout, stderr: () => stderr, summary: summary! }));
  return { done, stdout: () => stdout };
}

const start = (argv: string[], env: Record<string, string>, stdin?: Readable) => launch(argv, env, stdin).done;

function expectCountsMatch(summary: RunSummary, source: readonly FixtureLine[]) {
  const want = expectedCounts(source);
  const f = summary.forwarder;
  expect(summary.input.logEvents).toBe(want.logEvents);
  expect({ emf: f.emfDocuments, plain: f.plainLines, platform: f.platformLines, rejected: f.rejected })
    .toEqual({ emf: want.emfDocuments, plain: want.plainLines, platform: want.platformLines, rejected: want.rejected });
  expect(f.forwardedDocuments).toBe(f.emfDocuments + f.platformDocuments);
  for (const p of summary.providers) {
    expect(p.documents, p.name).toBe(f.forwardedDocuments);
    expect(p.esm.recordsProcessed, p.name).toBe(f.records);
  }
}

describe('npm start, end to end', () => {
  it('delivers every expected series to real Prometheus and StatsD and to the console, with matching counts and exit code 0', async () => {
    // Prepare: the fixture lines as event records, one per line (read with --format auto).
    const file = join(dir, 'fixture-events.jsonl');
    writeFileSync(file, lines.map((l) => JSON.stringify({ logGroup: l.logGroup, logStream: l.logStream, timestamp: l.timestamp, message: l.message })).join('\n') + '\n');
    // `Samples` (150 timings in the fixtures) as a counter: the daemon's console cannot show timers of more than 100 values.
    const env = { PROM_RW_URL: prom.remoteWriteUrl, STATSD_HOST: statsd.host, STATSD_PORT: String(statsd.udpPort), STATSD_STYLE: 'statsd', STATSD_TYPE_OVERRIDES: 'Samples=counter' };

    // Act
    const run = await start([file], env);

    // Assess: exit code, summary
    expect(run.code, run.stderr()).toBe(0);
    const s = run.summary;
    expect(s.providers.map((p) => p.name)).toEqual(['console', 'prometheus', 'statsd']);
    expectCountsMatch(s, lines);
    for (const p of s.providers) expect({ name: p.name, delivered: p.delivered, dropped: p.dropped }).toEqual({ name: p.name, delivered: p.data, dropped: {} });
    expect(s.losses).toEqual([]);
    expect(run.stderr()).toContain('result       nothing lost');

    // Assess: the console printed one line per data point.
    const datumLines = run.stdout().split('\n').filter((l) => l.startsWith('    '));
    expect(datumLines.length).toBe(s.providers[0]!.delivered);

    // Assess: Prometheus holds the cumulative series (the default mode) the EMF documents promise.
    const oracle = new CumulativeOracle();
    for (const l of lines) if (l.expect.kind === 'emf') oracle.addDocument(l.expect.emf, l.timestamp);
    expect(oracle.values.size).toBeGreaterThan(20);
    expect(cumulativeMismatches(oracle, await prom.rawSeries('{__name__=~".+"}', '3h'))).toEqual([]);

    // Assess: the StatsD daemon's aggregates.
    const want = expectStatsd(lines, { Samples: 'counter' });
    expectStatsdHolds(want, await statsd.read());
  });

  it('with a provider that fails permanently, exits 1 and the summary names the loss', async () => {
    // Prepare: a remote-write URL that the real Prometheus answers with 404.
    const file = join(dir, 'fixture-events-2.jsonl');
    writeFileSync(file, lines.map((l) => JSON.stringify({ logGroup: l.logGroup, logStream: l.logStream, timestamp: l.timestamp, message: l.message })).join('\n'));

    // Act
    const run = await start([file, '--quiet'], { PROM_RW_URL: `${prom.url}/api/v1/no-such-endpoint` });

    // Assess
    expect(run.code).toBe(1);
    const p = run.summary.providers.find((x) => x.name === 'prometheus')!;
    expect(p.delivered).toBe(0);
    expect(p.dataDropped).toBe(p.data);
    expect(run.summary.losses.length).toBeGreaterThan(0);
    for (const l of run.summary.losses) expect(l).toMatch(/^prometheus: \d+ dropped as \S+ — .*404/);
    expect(run.stderr()).toMatch(/result {7}LOSS \(\d+\):\n {2}- prometheus: /);
    expect(run.summary.providers.find((x) => x.name === 'console')!.delivered).toBe(p.data);
  });

  it('streams standard input: data appears while the producer is still writing', async () => {
    // Prepare: the fixture messages as raw lines, as `node app.js | npm start -- -` would pipe them.
    const single = lines.filter((l) => !l.message.replace(/\n$/, '').includes('\n'));
    const half = Math.floor(single.length / 2);
    const stdin = new PassThrough();
    const text = (ls: FixtureLine[]) => ls.map((l) => `${l.message.replace(/\n$/, '')}\n`).join('');

    // Act: the first half, then wait until the console has printed something, then the rest.
    stdin.write(text(single.slice(0, half)));
    const running = launch(['-', '--log-group', '/aws/lambda/piped'], {}, stdin);
    const printed = await waitFor(() => running.stdout().includes('── console'));
    stdin.end(text(single.slice(half)));
    const run = await running.done;

    // Assess
    expect(printed).toBe(true);
    expect(run.code, run.stderr()).toBe(0);
    expectCountsMatch(run.summary, single);
  });

  it('reads the JSON output of aws logs filter-log-events, the log group from --log-group', async () => {
    // Prepare: the CLI's pretty-printed output (pages merged).
    const file = join(dir, 'filter-log-events.json');
    const events = lines.map((l, i) => ({ logStreamName: l.logStream, timestamp: l.timestamp, message: l.message, ingestionTime: l.timestamp + 300, eventId: String(38_000_000_000_000_000n + BigInt(i)).padStart(56, '3') }));
    writeFileSync(file, JSON.stringify({ events, searchedLogStreams: [] }, null, 4) + '\n');

    // Act
    const run = await start([file, '--log-group', '/aws/lambda/exported', '--quiet'], {});

    // Assess
    expect(run.code, run.stderr()).toBe(0);
    expectCountsMatch(run.summary, lines);
  });

  it('the real process: Ctrl-C stops reading standard input, drains, prints the summary and exits 0 with nothing left running', async () => {
    // Prepare
    const emf = lines.filter((l) => l.expect.kind === 'emf' && !l.message.replace(/\n$/, '').includes('\n'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', '-'], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // Act: lines in, wait for output, then SIGINT while stdin is still open.
    child.stdin.write(emf.map((l) => `${l.message.replace(/\n$/, '')}\n`).join(''));
    await waitFor(async () => stdout.includes('── console'));
    child.kill('SIGINT');
    const code = await Promise.race([exited, sleep(30_000).then(() => 'hung' as const)]);
    if (code === 'hung') child.kill('SIGKILL');

    // Assess
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('interrupted (input stopped, stream drained)');
    expect(stderr).toContain(`input        ${emf.length} log events`);
    expect(stderr).toContain('result       nothing lost');
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}

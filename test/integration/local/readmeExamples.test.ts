/**
 * The README's "Run it locally" examples, run as written. Each line of the block is matched to a case
 * below, so a new example without a test fails here. What a line needs from outside is made real on
 * loopback: `node app.js` is a process printing the sample's lines, `aws logs filter-log-events` a file in
 * that command's JSON shape, Prometheus and StatsD the real servers, `functions/consumers/mine` a handler
 * (`--show datadog` contacts nothing).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSample } from '../../../local/input/sample.ts';
import { runMain } from '../../../local/main.ts';
import type { RunSummary } from '../../../local/summary.ts';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheus.ts';
import { startStatsdDaemon, type StatsdDaemon } from '../../helpers/statsdDaemon.ts';

const ROOT = join(import.meta.dirname, '../../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The command lines of the first code block of the "Run it locally" section, comments cut. */
function exampleLines(): string[] {
  const section = README.slice(README.indexOf('## Run it locally'), README.indexOf('\n## ', README.indexOf('## Run it locally') + 3));
  const block = /```\n([\s\S]*?)```/.exec(section)![1]!;
  return block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '');
}

/** `npm start -- a b c` → `['a', 'b', 'c']` (the examples quote nothing). */
const argvOf = (line: string) => (line.includes(' -- ') ? line.slice(line.indexOf(' -- ') + 4).split(/\s+/) : []);

const dir = mkdtempSync(join(tmpdir(), 'emf-fanout-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], opts: { env?: Record<string, string>; stdin?: Readable } = {}) {
  let stdout = '';
  let stderr = '';
  let summary: RunSummary | undefined;
  const code = await runMain(argv, {
    env: opts.env ?? {}, stdin: opts.stdin ?? Readable.from([]),
    stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), onSummary: (s) => (summary = s),
  });
  return { code, stdout, stderr, summary: summary! };
}

const delivered = (s: RunSummary, name: string) => s.providers.find((p) => p.name === name)?.delivered ?? 0;
const sample = () => loadSample(Date.now());

describe('README: Run it locally, line by line', () => {
  const lines = exampleLines();
  const covered = new Set<string>();
  const example = (line: string) => {
    expect(lines, 'the README still shows this example').toContain(line);
    covered.add(line);
    return line;
  };

  let prom: PrometheusServer;
  let daemon: StatsdDaemon;
  beforeAll(async () => {
    [prom, daemon] = await Promise.all([startPrometheus(), startStatsdDaemon()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([prom?.stop(), daemon?.dispose()]);
  });

  it('npm start: the bundled sample, delivered to the console with nothing lost', async () => {
    const r = await run(argvOf(example('npm start')));
    expect(r.code, r.stderr).toBe(0);
    expect(delivered(r.summary, 'console')).toBeGreaterThan(100);
  });

  it('node app.js | npm start -- -: an app\'s stdout, streamed', async () => {
    const line = example('node app.js | npm start -- -');
    const app = join(dir, 'app.js');
    writeFileSync(app, `for (const m of ${JSON.stringify(sample().map((e) => e.message))}) process.stdout.write(m + '\\n');\n`);
    const child = spawn(process.execPath, [app], { stdio: ['ignore', 'pipe', 'inherit'] });
    const r = await run(argvOf(line), { stdin: child.stdout });
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary.forwarder.emfDocuments).toBeGreaterThan(10);
    expect(delivered(r.summary, 'console')).toBeGreaterThan(100);
  });

  it('aws logs filter-log-events … > ev.json, then npm start -- ev.json --log-group … --rebase', async () => {
    example('aws logs filter-log-events --log-group-name /aws/lambda/orders > ev.json');
    const line = example('npm start -- ev.json --log-group /aws/lambda/orders --rebase');
    // What the AWS CLI writes: FilterLogEvents' response, from events recorded a day ago.
    const dayAgo = Date.now() - 86_400_000;
    const events = sample().map((e, i) => ({
      logStreamName: e.logStream, timestamp: dayAgo + i, message: e.message, ingestionTime: dayAgo + i + 50, eventId: String(10_000_000 + i).padStart(56, '0'),
    }));
    const file = join(dir, 'ev.json');
    writeFileSync(file, JSON.stringify({ events, searchedLogStreams: [] }, null, 4));
    const r = await run(argvOf(line).map((a) => (a === 'ev.json' ? file : a)));
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary.input.logEvents).toBe(events.length);
    expect(delivered(r.summary, 'console')).toBeGreaterThan(100);
  });

  it('PROM_RW_URL=… STATSD_HOST=… npm start: the real Prometheus and StatsD receive the sample', async () => {
    const line = example('PROM_RW_URL=http://localhost:9090/api/v1/write STATSD_HOST=127.0.0.1 npm start');
    const env = Object.fromEntries(line.split(' ').filter((w) => w.includes('=')).map((w) => w.split('=') as [string, string]));
    expect(Object.keys(env)).toEqual(['PROM_RW_URL', 'STATSD_HOST']);
    // The same variables, pointed at the servers this test started.
    const r = await run([], { env: { PROM_RW_URL: prom.remoteWriteUrl, STATSD_HOST: env.STATSD_HOST!, STATSD_PORT: String(daemon.udpPort) } });
    expect(r.code, r.stderr).toBe(0);
    expect(delivered(r.summary, 'prometheus')).toBeGreaterThan(100);
    expect(delivered(r.summary, 'statsd')).toBe(delivered(r.summary, 'prometheus'));
    expect((await prom.rawSeries('{__name__=~".+"}', '3h')).length).toBeGreaterThan(20);
  });

  it('npm start -- --show prometheus --quiet: the series, in the exposition format', async () => {
    const r = await run(argvOf(example('npm start -- --show prometheus --quiet')));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*\{.*emf_fanout_writer="[0-9a-f]{12}".*\} \d/m);
  });

  it('npm start -- --show statsd --no-console: the exact lines', async () => {
    const r = await run(argvOf(example('npm start -- --show statsd --no-console')));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[A-Za-z][\w.]*:[-\d.e]+\|(c|g|d|ms|h)(\|#\S+)?$/m);
  });

  it('npm start -- --show datadog --no-console: the requests, each POST and its JSON body', async () => {
    const r = await run(argvOf(example('npm start -- --show datadog --no-console')));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^POST https:\/\/api\.datadoghq\.com\/api\/v1\/distribution_points\n\{\n {2}"series": \[\n/m);
    expect(r.stdout).toMatch(/^ {6}"metric": "[A-Za-z][\w.]*",$/m);
  });

  it('npm start -- --handler functions/consumers/mine/handler.ts: your own consumer, end to end', async () => {
    const line = example('npm start -- --handler functions/consumers/mine/handler.ts');
    mkdirSync(join(dir, 'mine'));
    const handler = join(dir, 'mine', 'handler.ts');
    writeFileSync(handler, 'export const handler = async () => ({ batchItemFailures: [] });\n');
    const r = await run(argvOf(line).map((a) => (a.endsWith('mine/handler.ts') ? handler : a)).concat('--quiet'));
    expect(r.code, r.stderr).toBe(0);
    const mine = r.summary.providers.find((p) => p.name === 'mine');
    expect(mine?.esm.recordsProcessed).toBe(r.summary.forwarder.records);
  });

  // Last (tests of a file run in order): every example line had a case above.
  it('every line of the block has a case', () => {
    expect(covered.size).toBeGreaterThan(0);
    expect(lines.filter((l) => !covered.has(l))).toEqual([]);
  });
});

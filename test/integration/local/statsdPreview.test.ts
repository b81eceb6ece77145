/**
 * `npm start -- --show statsd` through `runMain` (the function `main.ts` runs): the real StatsD
 * provider sends to the in-process listener instead of a server, and the lines it printed are
 * - the very lines a real UDP listener receives from the same provider in an ordinary run
 *   (`STATSD_HOST` pointing at it), in the same order, with the settings of the environment;
 * - lines the real `statsd` daemon takes, every one, holding what the documents predict
 *   (`statsdExpect.ts`, computed from the fixture documents alone) when fed to it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../../../local/main.ts';
import type { RunSummary } from '../../../local/summary.ts';
import { getFixtureLines } from '../../fixtures/generate.ts';
import { daemonKey, startStatsdDaemon, type StatsdAggregates, type StatsdDaemon } from '../../helpers/statsdDaemon.ts';
import { startUdpListener } from '../../helpers/statsdListeners.ts';
import { expectStatsd, expectStatsdHolds, statsdKeys } from './statsdExpect.ts';

let daemon: StatsdDaemon;
let dir: string;

beforeAll(async () => {
  daemon = await startStatsdDaemon();
  dir = mkdtempSync(join(tmpdir(), 'emf-fanout-show-'));
});
afterAll(async () => {
  await daemon?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  let summary: RunSummary | undefined;
  const code = await runMain(argv, { env, stdin: Readable.from([]), stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), onSummary: (s) => (summary = s) });
  return { code, stdout, stderr, summary: summary! };
}

/** The preview's header and lines (everything after the header line). */
function parseShow(stdout: string): { header: string; lines: string[] } {
  const all = stdout.split('\n');
  const at = all.findIndex((l) => l.startsWith('# statsd preview'));
  expect(at, 'the statsd preview header').toBeGreaterThanOrEqual(0);
  const end = all.findIndex((l, i) => i > at && l.startsWith('# '));
  const lines = all.slice(at + 1, end < 0 ? undefined : end).filter((l) => l !== '');
  return { header: all[at]!, lines };
}

/** What a real UDP listener receives from the provider in an ordinary run with `env` (and STATSD_HOST/PORT pointing at it). */
async function receivedInOrdinaryRun(argv: string[], env: Record<string, string>, expected: number): Promise<string[]> {
  const listener = await startUdpListener();
  try {
    const r = await run(argv, { ...env, ...listener.env });
    expect(r.code, r.stderr).toBe(0);
    return await listener.waitForLines(expected);
  } finally {
    await listener.close();
  }
}

/** Feeds `lines` to the daemon over TCP (no loss, no reordering) and waits until it has counted them all. */
async function feedDaemon(lines: readonly string[]): Promise<StatsdAggregates> {
  await daemon.stop();
  await daemon.restart(); // empty aggregates
  const before = (await daemon.read()).counters['statsd.metrics_received'] ?? 0;
  await new Promise<void>((resolve, reject) => {
    const socket = connect(daemon.tcpPort, daemon.host, () => socket.end(lines.join('\n') + '\n'));
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  const stop = Date.now() + 5_000;
  for (;;) {
    const got = await daemon.read();
    if ((got.counters['statsd.metrics_received'] ?? 0) - before >= lines.length || Date.now() > stop) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The daemon's key of a DogStatsD or plain line: the name, and the `|#` tags folded in as the daemon folds them. */
function keyOfLine(line: string): string {
  const [body, tags] = line.split('|#');
  return daemonKey(body!.slice(0, body!.indexOf(':')), tags === undefined ? [] : tags.split(','));
}

describe('npm start --show statsd', () => {
  it('with no STATSD_* setting: prints the exact DogStatsD lines a real UDP listener gets from the provider, in order, and the statsd daemon takes every one', async () => {
    // Act
    const r = await run(['--show', 'statsd', '--no-console'], {});

    // Assess: exit code, nothing dropped or retried, the header counts the lines that follow.
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('statsd (preview, nothing sent)');
    const statsd = r.summary.providers.find((p) => p.name === 'statsd')!;
    expect({ delivered: statsd.delivered, dropped: statsd.dropped, retries: statsd.sendRetries }).toEqual({ delivered: statsd.data, dropped: {}, retries: 0 });
    expect(statsd.data).toBeGreaterThan(0);
    const { header, lines } = parseShow(r.stdout);
    expect(header).toMatch(new RegExp(`^# statsd preview \\(STATSD_STYLE=dogstatsd\\): ${lines.length.toLocaleString('en-US')} lines in \\d+ datagrams?, not sent \\(no STATSD_HOST\\); every line in the order sent:$`));
    expect(lines.length).toBeGreaterThan(statsd.data / 2);
    for (const l of lines) expect(l).toMatch(/^[A-Za-z][A-Za-z0-9_.]*:[^|]+\|(c|g|ms|h|d)(\|@[\d.]+)?(\|#.+)?$/);

    // The same lines, in the same order, as a real UDP listener receives from an ordinary run.
    expect(await receivedInOrdinaryRun(['--no-console'], {}, lines.length)).toEqual(lines);

    // The real daemon parses every line (it counts `d` and `h` as counters) and holds a key for each.
    const got = await feedDaemon(lines);
    expect(got.counters['statsd.bad_lines_seen'], daemon.logs()).toBe(0);
    expect(got.counters['statsd.metrics_received']).toBe(lines.length);
    const keys = statsdKeys(got);
    expect(lines.filter((l) => !keys.has(keyOfLine(l)))).toEqual([]);
  });

  it('with STATSD_HOST set: nothing reaches it, and the lines carry the prefix, style and tags of the environment, as an ordinary run sends them', async () => {
    // Prepare: a listener where STATSD_HOST points; the preview must not send to it.
    const target = await startUdpListener();
    const env = { STATSD_STYLE: 'statsd', STATSD_PREFIX: 'app.local', STATSD_GLOBAL_TAGS: 'env:dev', STATSD_TIME_TYPE: 'timing' };
    try {
      // Act
      const r = await run(['--show', 'statsd', '--no-console'], { ...env, ...target.env });

      // Assess
      expect(r.code, r.stderr).toBe(0);
      await new Promise((res) => setTimeout(res, 100));
      expect(target.datagrams()).toEqual([]);
      const { header, lines } = parseShow(r.stdout);
      expect(header).toContain(`(STATSD_STYLE=statsd): ${lines.length} lines in `);
      expect(header).toContain(`not sent to udp 127.0.0.1:${target.env.STATSD_PORT}; every line in the order sent:`);
      expect(lines.length).toBeGreaterThan(0);
      // Plain StatsD: no `|#` tags, the global tag folded into the name after the prefix.
      for (const l of lines) expect(l).toMatch(/^app\.local\.[^|#]*\.env\.dev(\.[^:|]+)*:[^|]+\|(c|g|ms)(\|@[\d.]+)?$/);
      expect(await receivedInOrdinaryRun(['--no-console'], env, lines.length)).toEqual(lines);
    } finally {
      await target.close();
    }
  });

  it('on the real producers\' output in the plain style: the printed lines, fed to the statsd daemon, hold what the documents predict', async () => {
    // Prepare: the fixture lines as event records (as main.e2e.test.ts feeds them).
    const fixtures = await getFixtureLines();
    const file = join(dir, 'fixture-events.jsonl');
    writeFileSync(file, fixtures.map((l) => JSON.stringify({ logGroup: l.logGroup, logStream: l.logStream, timestamp: l.timestamp, message: l.message })).join('\n') + '\n');
    // `Samples` (150 timings) as a counter: the daemon's console cannot show timers of more than 100 values.
    const overrides = { Samples: 'counter' } as const;

    // Act
    const r = await run([file, '--show', 'statsd', '--no-console'], { STATSD_STYLE: 'statsd', STATSD_TYPE_OVERRIDES: 'Samples=counter' });

    // Assess
    expect(r.code, r.stderr).toBe(0);
    const { lines } = parseShow(r.stdout);
    const got = await feedDaemon(lines);
    expect(got.counters['statsd.bad_lines_seen'], daemon.logs()).toBe(0);
    expectStatsdHolds(expectStatsd(fixtures, overrides), got);
  });

  it('--show prometheus --show statsd: both, in that order, after the summary; a bad setting or target is exit code 2, naming it', async () => {
    const both = await run(['--show', 'prometheus', '--show', 'statsd', '--no-console'], {});
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).toContain('prometheus (preview, nothing sent), statsd (preview, nothing sent)');
    const at = (h: string) => both.stdout.indexOf(h);
    expect(at('# prometheus preview')).toBeGreaterThanOrEqual(0);
    expect(at('# statsd preview')).toBeGreaterThan(at('# prometheus preview'));

    const bad = await run(['--show', 'foo'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --show must be one of prometheus, statsd, datadog, got "foo"\n/);

    const badSetting = await run(['--show', 'statsd'], { STATSD_PREFIX: '1app' });
    expect(badSetting.code).toBe(2);
    expect(badSetting.stderr).toContain('STATSD_PREFIX');
  });
});

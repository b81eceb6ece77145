/**
 * `npm start -- --cloudwatch FILE` through `runMain` (the function `main.ts` runs): the bundled recording of a
 * GetMetricData call goes to the embedded stream as the metrics scraper writes it, and reaches every provider.
 * What the StatsD and Prometheus previews must print is computed here from the recording file's own numbers and
 * the documented mappings (docs/statsd.md, docs/prometheus.md), not from the code under test:
 * Throttles (Sum) → a counter of each period's Sum, ConcurrentExecutions (Maximum) → a gauge of the Maximum,
 * IteratorAge (Sum, Minimum, Maximum, SampleCount) → a distribution; the Average query is counted as skipped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runMain } from '../../../local/main.ts';
import type { RunSummary } from '../../../local/summary.ts';

const ROOT = join(import.meta.dirname, '../../..');
const FILE = 'local/sample/cloudwatch-lambda.json';

interface Query { Id: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] }; Period: number; Stat: string } }
interface Result { Id: string; Timestamps: string[]; Values: number[]; StatusCode: string }
const recording = JSON.parse(readFileSync(join(ROOT, FILE), 'utf8')) as { MetricDataQueries: Query[]; MetricDataResults: Result[] };

/** One metric of the recording (name and function), its statistics' values by period start, in the order of its first query. */
interface Recorded { namespace: string; name: string; fn: string; stats: Map<string, Map<number, number>> }
function recorded(): Recorded[] {
  const byKey = new Map<string, Recorded>();
  for (const q of recording.MetricDataQueries) {
    const m = q.MetricStat!.Metric;
    const fn = m.Dimensions.find((d) => d.Name === 'FunctionName')!.Value;
    const key = `${m.MetricName} ${fn}`;
    if (!byKey.has(key)) byKey.set(key, { namespace: m.Namespace, name: m.MetricName, fn, stats: new Map() });
    const result = recording.MetricDataResults.find((r) => r.Id === q.Id)!;
    byKey.get(key)!.stats.set(q.MetricStat!.Stat, new Map(result.Timestamps.map((t, i) => [Date.parse(t), result.Values[i]!])));
  }
  return [...byKey.values()];
}
const periods = [...new Set(recording.MetricDataResults.flatMap((r) => r.Timestamps.map((t) => Date.parse(t))))].sort((a, b) => a - b);
const averages = recording.MetricDataQueries.filter((q) => q.MetricStat?.Stat === 'Average').length;
const FUNCTIONS = ['orders-api', 'payments-worker'];
const METRICS = ['Throttles', 'ConcurrentExecutions', 'IteratorAge'];

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  let summary: RunSummary | undefined;
  const code = await runMain(argv, { env, stdin: Readable.from([]), stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), onSummary: (s) => (summary = s) });
  return { code, stdout, stderr, summary: summary! };
}

/** The lines of the preview whose header starts with `# <name> preview`, up to the next header. */
function preview(stdout: string, name: string): string[] {
  const all = stdout.split('\n');
  const at = all.findIndex((l) => l.startsWith(`# ${name} preview`));
  expect(at, `the ${name} preview header`).toBeGreaterThanOrEqual(0);
  const end = all.findIndex((l, i) => i > at && l.startsWith('# '));
  return all.slice(at + 1, end < 0 ? undefined : end).filter((l) => l !== '');
}

/** DogStatsD lines (docs/statsd.md): `Namespace.Name` with `/` as `_`, the FunctionName tag; a statistic set as Min, Max and (Sum−Min−Max)/(Count−2) at rate 1/(Count−2). */
function expectedStatsd(): string[] {
  const lines: string[] = [];
  const metrics = recorded().filter((m) => METRICS.includes(m.name));
  for (const t of periods) {
    for (const m of metrics) {
      const at = (stat: string) => m.stats.get(stat)!.get(t)!;
      const line = (v: number, type: string, rate = '') => `${m.namespace.replace('/', '_')}.${m.name}:${v}|${type}${rate}|#FunctionName:${m.fn}`;
      if (m.name === 'Throttles') lines.push(line(at('Sum'), 'c'));
      else if (m.name === 'ConcurrentExecutions') lines.push(line(at('Maximum'), 'g'));
      else {
        const [sum, min, max, n] = [at('Sum'), at('Minimum'), at('Maximum'), at('SampleCount')];
        expect(n, 'the recording\'s IteratorAge periods have at least 3 samples').toBeGreaterThanOrEqual(3);
        lines.push(line(min, 'd'), line(max, 'd'), line((sum - min - max) / (n - 2), 'd', n - 2 === 1 ? '' : `|@${1 / (n - 2)}`));
      }
    }
  }
  return lines;
}

describe('npm start --cloudwatch', () => {
  it('the recording alone (no INPUT: not the bundled sample), --show statsd: a counter of each Sum, a gauge of each Maximum, IteratorAge as a distribution, in period order; the Average query skipped', async () => {
    // Act
    const r = await run(['--cloudwatch', FILE, '--show', 'statsd']);

    // Assess
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary.input.logEvents).toBe(0);
    const metrics = FUNCTIONS.length * METRICS.length;
    expect(r.summary.cloudwatch).toEqual({ metrics, datapoints: metrics * periods.length, documents: metrics * periods.length, records: 1, failedDocuments: 0, skipped: { statistic_unsupported: averages } });
    expect(averages).toBe(1);
    expect(r.stderr).toContain(`cloudwatch   ${metrics} metrics, ${metrics * periods.length} datapoints → ${metrics * periods.length} documents in 1 Kinesis records; skipped: ${averages}\n      statistic_unsupported: ${averages}\n`);
    expect(r.stderr).toContain('result       nothing lost');
    const statsd = r.summary.providers.find((p) => p.name === 'statsd')!;
    expect({ delivered: statsd.delivered, dropped: statsd.dropped, documents: statsd.documents }).toEqual({ delivered: metrics * periods.length, dropped: {}, documents: metrics * periods.length });
    // ConcurrentExecutions has unit Count: it is a gauge only because the scraper's document declares "Type": "gauge".
    expect(preview(r.stdout, 'statsd')).toEqual(expectedStatsd());
    // The console provider got the same documents.
    expect(r.summary.providers.find((p) => p.name === 'console')!.delivered).toBe(metrics * periods.length);
  });

  it('--show prometheus: Throttles a counter of the Sums, ConcurrentExecutions a gauge of the latest Maximum, IteratorAge a histogram of the Sums and SampleCounts (in seconds)', async () => {
    // Act
    const r = await run(['--cloudwatch', FILE, '--show', 'prometheus', '--no-console']);

    // Assess
    expect(r.code, r.stderr).toBe(0);
    const series = new Map(preview(r.stdout, 'prometheus').map((l) => {
      const m = /^(\w+)\{(.*)\} (\S+)$/.exec(l)!;
      const labels = m[2]!.split(',').filter((x) => !x.startsWith('emf_fanout_writer=') && !x.startsWith('le=')).join(',');
      return [`${m[1]}{${labels}}${/le="/.test(m[2]!) ? ` ${/le="([^"]*)"/.exec(m[2]!)![1]}` : ''}`, Number(m[3])];
    }));
    const last = periods[periods.length - 1]!;
    for (const m of recorded().filter((x) => METRICS.includes(x.name))) {
      const labels = `{function_name="${m.fn}"}`;
      const total = (stat: string) => [...m.stats.get(stat)!.values()].reduce((a, b) => a + b, 0);
      if (m.name === 'Throttles') expect(series.get(`aws_lambda_throttles_total${labels}`)).toBe(total('Sum'));
      else if (m.name === 'ConcurrentExecutions') {
        expect(series.get(`aws_lambda_concurrent_executions${labels}`)).toBe(m.stats.get('Maximum')!.get(last));
        expect(series.has(`aws_lambda_concurrent_executions_total${labels}`)).toBe(false);
      } else {
        expect(series.get(`aws_lambda_iterator_age_seconds_sum${labels}`)).toBeCloseTo(total('Sum') / 1000, 9);
        expect(series.get(`aws_lambda_iterator_age_seconds_count${labels}`)).toBe(total('SampleCount'));
        expect(series.get(`aws_lambda_iterator_age_seconds_bucket${labels} +Inf`)).toBe(total('SampleCount'));
      }
    }
  });

  it('with an INPUT too: the log input goes through the forwarder and the recording beside it', async () => {
    const r = await run(['--cloudwatch', FILE, join(ROOT, 'local/sample/sample.json'), '--quiet', '--rebase']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary.input.logEvents).toBeGreaterThan(0);
    const console = r.summary.providers.find((p) => p.name === 'console')!;
    expect(console.documents).toBe(r.summary.forwarder.forwardedDocuments + r.summary.cloudwatch!.documents);
  });

  it('a malformed recording: exit code 2 and the member named; a missing file likewise', async () => {
    const bad = await run(['--cloudwatch', join(ROOT, 'package.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`error: --cloudwatch ${join(ROOT, 'package.json')}: MetricDataQueries must be an array, got undefined`);
    const missing = await run(['--cloudwatch', join(ROOT, 'no-such-recording.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`error: cannot read --cloudwatch ${join(ROOT, 'no-such-recording.json')}:`);
  });

  it('docs/local.md: the --cloudwatch example, run as written; every line it shows is printed, in order (… stands for anything)', async () => {
    const doc = readFileSync(join(ROOT, 'docs/local.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Replaying CloudWatch metrics'));
    const block = /```\n([\s\S]*?)```/.exec(section)![1]!.split('\n').filter((l) => l !== '');
    const command = block[0]!;
    expect(command).toBe(`$ npm start -- --cloudwatch ${FILE} --show statsd`);
    const r = await run(command.slice('$ npm start -- '.length).split(/\s+/));
    expect(r.code, r.stderr).toBe(0);
    const printed = `${r.stderr}\n${r.stdout}`.split('\n');
    let at = 0;
    for (const shown of block.slice(1)) {
      if (shown === '…') continue;
      const pattern = new RegExp(`^${shown.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      const found = printed.findIndex((l, i) => i >= at && pattern.test(l));
      expect(found, `docs/local.md shows a line npm start does not print (in this order): ${shown}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });
});

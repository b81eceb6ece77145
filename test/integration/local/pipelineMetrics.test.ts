/**
 * `npm start -- --pipeline-metrics`: after the summary, the pipeline metrics the run's invocations would
 * have published, read back from the documents the forwarder and the consumers printed. The numbers are
 * checked against the run's own account (`RunSummary`, added up from the invocations' summaries by
 * another path), and the docs/local.md example is run as written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadSample } from '../../../local/input/sample.ts';
import { runMain } from '../../../local/main.ts';
import { runLocalPipeline } from '../../../local/pipeline.ts';
import { PipelineMetricsPreview } from '../../../local/PipelineMetricsPreview.ts';
import type { RunSummary } from '../../../local/summary.ts';
import type { MetricDatum, Provider, SendResult } from '../../../shared/consumer/types.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';

const ROOT = join(import.meta.dirname, '../../..');

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  let summary: RunSummary | undefined;
  const code = await runMain(argv, {
    env, stdin: Readable.from([]), stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), onSummary: (s) => (summary = s),
  });
  return { code, stdout, stderr, summary: summary! };
}

interface Section {
  invocations: Map<string, number>;
  /** Per function: a count's value, or a Lag line's sample count. */
  metrics: Map<string, Map<string, number>>;
}

const num = (s: string) => Number(s.replaceAll(',', ''));

/** Reads the printed section back (it is meant for people; the test reads it as they would). */
function parseSection(stdout: string): Section {
  const start = stdout.indexOf('══ pipeline metrics');
  expect(start).toBeGreaterThanOrEqual(0);
  const out: Section = { invocations: new Map(), metrics: new Map() };
  let fn = '';
  for (const line of stdout.slice(start).split('\n').slice(1)) {
    const header = /^FunctionName=(\S+): ([\d,]+) invocations?, the sum of each metric$/.exec(line);
    if (header) {
      fn = header[1]!;
      out.invocations.set(fn, num(header[2]!));
      out.metrics.set(fn, new Map());
      continue;
    }
    const metric = /^ {2}(\S+) +([\d,.]+)(?: samples \(Milliseconds\): p50 [\d,.-]+ · p90 [\d,.-]+ · p99 [\d,.-]+ · max [\d,.-]+)?$/.exec(line);
    if (metric) out.metrics.get(fn)!.set(metric[1]!, num(metric[2]!));
    else if (line !== '') throw new Error(`unexpected line in the pipeline metrics section: ${line}`);
  }
  return out;
}

describe('npm start -- --pipeline-metrics', () => {
  it('prints, after the summary, what every invocation would publish: the same numbers as the run\'s account', async () => {
    const r = await run(['--quiet', '--pipeline-metrics']);
    expect(r.code).toBe(0);
    const s = parseSection(r.stdout);
    const f = r.summary.forwarder;
    const fwd = s.metrics.get('forwarder')!;
    expect(s.invocations.get('forwarder')).toBe(f.invocations);
    expect(Object.fromEntries([...fwd].filter(([k]) => !k.includes('.')))).toEqual({
      LogEvents: f.logEvents, EmfDocuments: f.emfDocuments, PlatformDocuments: f.platformDocuments, DocumentsForwarded: f.forwardedDocuments,
      Records: f.records, KinesisRetries: f.retriedEntries, DocumentsRejected: Object.values(f.rejected).reduce((a, b) => a + b, 0), EventsSkipped: 0,
    });
    for (const [reason, n] of Object.entries(f.rejected)) expect(fwd.get(`DocumentsRejected.${reason}`), reason).toBe(n);
    expect(f.forwardedDocuments).toBeGreaterThan(0);

    const p = r.summary.providers.find((x) => x.name === 'console')!;
    const con = s.metrics.get('console')!;
    expect(s.invocations.get('console')).toBe(p.esm.invocations);
    expect([con.get('Records'), con.get('Documents'), con.get('Data'), con.get('DataDelivered'), con.get('DataDropped')]).toEqual([
      p.esm.recordsProcessed, p.documents, p.data, p.delivered, p.dataDropped,
    ]);
    expect(con.get('Records')).toBe(f.records);
    // One lag sample per delivered document (fewer than 100 per invocation here).
    expect(con.get('Lag')).toBe(p.documents);
    // The section is last on stdout, after the data; nothing of it on stderr.
    expect(r.stderr).not.toContain('pipeline metrics');
  });

  it('publishes a provider\'s failure reasons under DataDropped.<reason>, sanitised, with the counts the consumer dropped', async () => {
    const rejecting: Provider = {
      name: 'rejecting',
      send: (data: readonly MetricDatum[]): Promise<SendResult> =>
        Promise.resolve({ status: 'failure', error: new Error('no'), reason: 'HTTP 400: bad request', dropped: { 'HTTP 400: bad request': data.length - 1, quota: 1 } }),
    };
    const preview = new PipelineMetricsPreview();
    const summary = await runLocalPipeline({
      events: loadSample(Date.now()), providers: [{ name: 'rejecting', provider: rejecting }], env: {}, logger: createMemoryLogger(),
      pipelineMetrics: preview.sink, esm: { maxRetryAttempts: 0 },
    });
    const p = summary.providers[0]!;
    expect(p.dropped['HTTP 400: bad request']).toBeGreaterThan(0);
    const metrics = preview.totals().get('rejecting')!;
    expect(metrics.get('DataDropped.HTTP_400__bad_request')?.sum).toBe(p.dropped['HTTP 400: bad request']);
    expect(metrics.get('DataDropped.quota')?.sum).toBe(p.dropped.quota);
    expect(metrics.get('DataDropped')?.sum).toBe(p.dataDropped);
    expect(metrics.get('DataDelivered')?.sum).toBe(0);
    expect(metrics.has('Lag')).toBe(false);
  });

  it('says so when PIPELINE_METRICS=false, and prints nothing of it without the flag', async () => {
    const off = await run(['--quiet', '--pipeline-metrics'], { PIPELINE_METRICS: 'false' });
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('PIPELINE_METRICS=false: the functions publish none\n');
    expect(off.stdout).not.toContain('FunctionName=');
    const without = await run(['--quiet']);
    expect(without.stdout).not.toContain('pipeline metrics');
    const bad = await run(['--quiet', '--pipeline-metrics'], { PIPELINE_METRICS: 'perhaps' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: Environment variable PIPELINE_METRICS must be true or false, got "perhaps"');
  });

  it('docs/local.md: the --pipeline-metrics example, run as written; every line it shows is printed (… stands for anything)', async () => {
    const doc = readFileSync(join(ROOT, 'docs/local.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## The pipeline\'s own metrics'));
    const block = /```\n([\s\S]*?)```/.exec(section)![1]!.split('\n').filter((l) => l !== '');
    const command = block[0]!;
    expect(command).toMatch(/^\$ npm start -- /);
    const r = await run(command.slice('$ npm start -- '.length).split(/\s+/));
    expect(r.code).toBe(0);
    const printed = r.stdout.split('\n');
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

/**
 * docs/monitoring.md, run: its example documents are what the builder prints for the invocations they
 * describe, its tables name exactly the metrics of names.ts, its Logs Insights query names fields the
 * documents have, and its other examples (a sanitised reason, the setting's error) are the code's own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadForwarderConfig } from '../../../functions/forwarder/config.ts';
import { consumerMetricsDocuments, forwarderMetricsDocument, sanitizeReason } from '../../../shared/pipeline/PipelineMetrics.ts';
import { CONSUMER_METRICS, FORWARDER_METRICS, SCRAPER_METRICS } from '../../../shared/pipeline/names.ts';

const DOC = readFileSync(join(import.meta.dirname, '../../../docs/monitoring.md'), 'utf8');

/** The text of a `## ` / `### ` section, up to the next heading of any level. */
function section(heading: string): string {
  const start = DOC.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const next = DOC.slice(start + heading.length + 2).search(/\n#{1,3} /);
  return DOC.slice(start, next < 0 ? undefined : start + heading.length + 2 + next);
}

const codeBlocks = (text: string) => [...text.matchAll(/```(?:json)?\n([\s\S]*?)```/g)].map((m) => m[1]!.trimEnd());

/** `| `Name` | unit | … |` rows → name → unit. */
function tableOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)) out.set(m[1]!, m[2]!.trim());
  return out;
}

describe('docs/monitoring.md', () => {
  it('shows the documents the builder prints for the invocations it describes, byte for byte', () => {
    const [forwarder, consumer] = codeBlocks(section('### Example documents'));
    expect(forwarder).toBe(forwarderMetricsDocument(
      { logEvents: 120, emfDocuments: 80, platformDocuments: 25, forwardedDocuments: 105, records: 1, retriedEntries: 0, skipped: {}, rejected: { dimension_missing: 2, json_invalid: 1 } },
      { functionName: 'emf-fanout-prod-forwarder', timestamp: 1_765_000_000_000 },
    ));
    expect([consumer]).toEqual(consumerMetricsDocuments(
      {
        records: 2, documents: 4, data: 40, delivered: 32, dropped: { metric_value_invalid: 3, 'HTTP 400': 5 }, dataDropped: 8, calls: 2, retries: 1,
        duplicates: { documents: 0, data: 0 }, lag: { documents: 4, valuesMs: [812, 840, 905, 1270] },
      },
      { functionName: 'emf-fanout-prod-statsd', timestamp: 1_765_000_001_000 },
    ));
  });

  it('lists exactly the metrics of names.ts, with their units', () => {
    const forwarder = tableOf(section('### The forwarder'));
    expect([...forwarder.keys()].filter((k) => !k.includes('<')).sort()).toEqual(Object.values(FORWARDER_METRICS).sort());
    for (const name of Object.values(FORWARDER_METRICS)) expect(forwarder.get(name)).toBe('Count');
    expect(forwarder.has(`${FORWARDER_METRICS.documentsRejected}.<reason>`) && forwarder.has(`${FORWARDER_METRICS.eventsSkipped}.<reason>`)).toBe(true);
    const scraper = tableOf(section('### The metrics scraper'));
    expect([...scraper.keys()].filter((k) => !k.includes('<')).sort()).toEqual(Object.values(SCRAPER_METRICS).sort());
    for (const name of Object.values(SCRAPER_METRICS)) expect(scraper.get(name)).toBe('Count');
    const consumer = tableOf(section('### A consumer'));
    expect([...consumer.keys()].filter((k) => !k.includes('<')).sort()).toEqual(Object.values(CONSUMER_METRICS).sort());
    for (const name of Object.values(CONSUMER_METRICS)) expect(consumer.get(name)).toBe(name === CONSUMER_METRICS.lag ? 'Milliseconds' : 'Count');
    expect(consumer.has(`${CONSUMER_METRICS.dataDropped}.<reason>`)).toBe(true);
  });

  it('sanitises its example reason as the code does', () => {
    const m = /`HTTP 400: bad request` → `DataDropped\.([^`]+)`/.exec(section('### Per-reason metrics'));
    expect(m?.[1]).toBe(sanitizeReason('HTTP 400: bad request'));
  });

  it('quotes the setting\'s error as the function prints it', () => {
    const quoted = /`(Environment variable PIPELINE_METRICS [^`]+)`/.exec(section('## The setting'))![1];
    expect(() => loadForwarderConfig({ KINESIS_STREAM_NAME: 's', AWS_REGION: 'eu-west-1', PIPELINE_METRICS: 'sometimes' })).toThrow(quoted);
  });

  it('queries, in its Logs Insights example, only fields the forwarder\'s document has', () => {
    const query = codeBlocks(section('## How to read them'))[0]!;
    const doc = JSON.parse(forwarderMetricsDocument(
      { logEvents: 1, emfDocuments: 1, platformDocuments: 0, forwardedDocuments: 1, records: 1, retriedEntries: 0, skipped: {}, rejected: {} },
      { functionName: 'f', timestamp: 1 },
    )) as Record<string, unknown>;
    const fields = [...query.matchAll(/\b(?:sum|ispresent)\(([A-Za-z.]+)\)|fields ([^|\n]+)/g)].flatMap((m) => (m[1] ? [m[1]] : m[2]!.split(',').map((f) => f.trim())));
    const named = fields.filter((f) => !f.startsWith('@'));
    expect(named.length).toBeGreaterThanOrEqual(4);
    for (const f of named) expect(Object.hasOwn(doc, f), f).toBe(true);
  });
});

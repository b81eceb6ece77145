/**
 * The pipeline's own metrics documents: valid EMF by this project's validator, read back by the
 * consumer's decoding into exactly the numbers put in, within the EMF limits, names from names.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consumerMetricsDocuments, forwarderMetricsDocument, MAX_REASONS_PER_TOTAL, sanitizeReason, scraperMetricsDocument, type ConsumerCounts, type ForwarderCounts,
  type ScraperCounts,
} from '../../../shared/pipeline/PipelineMetrics.ts';
import { CONSUMER_METRICS as C, FORWARDER_METRICS as F, PIPELINE_DIMENSION, PIPELINE_NAMESPACE, SCRAPER_METRICS as S } from '../../../shared/pipeline/names.ts';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { readDocument, readDocuments } from './readBack.ts';

const context = { functionName: 'emf-fanout-dev-forwarder', timestamp: 1_765_000_000_000 };
const count = fc.nat({ max: 2_000_000_000 });
/** Reason maps as this project and providers write them: fixed names, and anything a provider may return. */
const reasonKey = fc.oneof(fc.stringMatching(/^[a-z_]{1,20}$/), fc.string({ maxLength: 90 }), fc.string({ unit: 'binary', maxLength: 10 }));
// A few reasons (the usual case), or more than the 30 a document publishes by name.
const reasons = fc.oneof(fc.dictionary(reasonKey, count, { maxKeys: 8 }), fc.dictionary(reasonKey, count, { minKeys: 25, maxKeys: 70 }));
const lagSample = fc.oneof(fc.integer({ min: -5_000, max: 86_400_000 }), fc.double());

const forwarderCounts: fc.Arbitrary<ForwarderCounts> = fc.record({
  logEvents: count, emfDocuments: count, platformDocuments: count, forwardedDocuments: count, records: count, retriedEntries: count,
  skipped: reasons, rejected: reasons,
});
const consumerCounts: fc.Arbitrary<ConsumerCounts> = fc.record({
  records: count, documents: count, data: count, delivered: count, dropped: reasons, dataDropped: count, calls: count, retries: count,
  redelivery: fc.option(fc.record({ records: count }), { nil: undefined }),
  duplicates: fc.record({ documents: count, data: count }),
  lag: fc.record({ documents: count, valuesMs: fc.array(lagSample, { maxLength: 450 }) }),
}, { requiredKeys: ['records', 'documents', 'data', 'delivered', 'dropped', 'dataDropped', 'calls', 'retries', 'duplicates', 'lag'] });
const empty: ConsumerCounts = {
  records: 0, documents: 0, data: 0, delivered: 0, dropped: {}, dataDropped: 0, calls: 0, retries: 0, duplicates: { documents: 0, data: 0 }, lag: { documents: 0, valuesMs: [] },
};

/** Shrinking maps of 70 reasons takes minutes: a failure is reported as found (rerun it with the seed printed). */
const options = (full: number) => ({ numRuns: fuzzRuns(full), endOnFailure: true });

const positiveSum = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((a, n) => a + (n > 0 ? n : 0), 0);

/** Checks the per-reason metrics of `total`: bounded, well named, positive, adding up to the input's counts. */
function expectByReason(metrics: Map<string, number | number[]>, total: string, input: Readonly<Record<string, number>>): void {
  const prefix = `${total}.`;
  const per = [...metrics].filter(([name]) => name.startsWith(prefix));
  expect(per.length).toBeLessThanOrEqual(MAX_REASONS_PER_TOTAL);
  let sum = 0;
  for (const [name, value] of per) {
    expect(name).toMatch(/^[A-Za-z]+\.[A-Za-z0-9_]{1,64}$/);
    expect(typeof value === 'number' && value > 0).toBe(true);
    sum += value as number;
  }
  expect(sum).toBe(positiveSum(input));
}

describe('forwarderMetricsDocument', () => {
  it('is valid EMF that the consumer reads back into exactly the counts put in', () => {
    fc.assert(
      fc.property(forwarderCounts, (s) => {
        const line = forwarderMetricsDocument(s, context);
        const data = readDocument(line);
        expect(data.length).toBeLessThanOrEqual(100);
        for (const d of data) {
          expect(d.namespace).toBe(PIPELINE_NAMESPACE);
          expect(d.dimensions).toEqual({ [PIPELINE_DIMENSION]: context.functionName });
          expect(d.unit).toBe('Count');
          expect(d.timestamp).toBe(context.timestamp);
          expect(Number.isInteger(d.value)).toBe(true);
        }
        const m = readDocuments([line]);
        expect(Object.fromEntries([F.logEvents, F.emfDocuments, F.platformDocuments, F.documentsForwarded, F.records, F.kinesisRetries].map((k) => [k, m.get(k)]))).toEqual({
          [F.logEvents]: s.logEvents, [F.emfDocuments]: s.emfDocuments, [F.platformDocuments]: s.platformDocuments,
          [F.documentsForwarded]: s.forwardedDocuments, [F.records]: s.records, [F.kinesisRetries]: s.retriedEntries,
        });
        expect(m.get(F.documentsRejected)).toBe(positiveSum(s.rejected));
        expect(m.get(F.eventsSkipped)).toBe(positiveSum(s.skipped));
        expectByReason(m, F.documentsRejected, s.rejected);
        expectByReason(m, F.eventsSkipped, s.skipped);
      }),
      options(500),
    );
  });

  it('publishes each reason of this project under its own name, and every count even when zero', () => {
    const m = readDocuments([forwarderMetricsDocument({
      logEvents: 7, emfDocuments: 3, platformDocuments: 1, forwardedDocuments: 2, records: 1, retriedEntries: 0,
      skipped: {}, rejected: { dimension_missing: 1, record_too_large: 1 },
    }, context)]);
    expect(Object.fromEntries(m)).toEqual({
      LogEvents: 7, EmfDocuments: 3, PlatformDocuments: 1, DocumentsForwarded: 2, Records: 1, KinesisRetries: 0,
      DocumentsRejected: 2, 'DocumentsRejected.dimension_missing': 1, 'DocumentsRejected.record_too_large': 1, EventsSkipped: 0,
    });
  });
});

describe('consumerMetricsDocuments', () => {
  it('are valid EMF that the consumer reads back into exactly the counts and lag samples put in, 100 samples a document at most', () => {
    fc.assert(
      fc.property(consumerCounts, (s) => {
        const lines = consumerMetricsDocuments(s, context);
        const samples = s.lag.valuesMs.filter((v) => Number.isFinite(v)).map((v) => (v === 0 ? 0 : v));
        expect(lines).toHaveLength(Math.max(1, Math.ceil(samples.length / 100)));
        for (const line of lines) {
          for (const d of readDocument(line)) {
            expect(d.dimensions).toEqual({ [PIPELINE_DIMENSION]: context.functionName });
            expect(d.unit).toBe(d.name === C.lag ? 'Milliseconds' : 'Count');
            if (Array.isArray(d.value)) expect(d.value.length).toBeLessThanOrEqual(100);
          }
        }
        const m = readDocuments(lines);
        expect(m.get(C.records)).toBe(s.records);
        expect(m.get(C.documents)).toBe(s.documents);
        expect(m.get(C.data)).toBe(s.data);
        expect(m.get(C.dataDelivered)).toBe(s.delivered);
        expect(m.get(C.dataDropped)).toBe(s.dataDropped);
        expect(m.get(C.recordsRedelivered)).toBe(s.redelivery?.records ?? 0);
        expect(m.get(C.duplicateDocuments)).toBe(s.duplicates.documents);
        expect(m.get(C.providerCalls)).toBe(s.calls);
        expect(m.get(C.providerRetries)).toBe(s.retries);
        expect(m.get(C.lag)).toEqual(samples.length > 0 ? samples : undefined);
        expectByReason(m, C.dataDropped, s.dropped);
        // Only the first document carries the counts; the others hold Lag alone.
        for (const line of lines.slice(1)) expect(readDocument(line).map((d) => d.name)).toEqual([C.lag]);
      }),
      options(300),
    );
  });

  it('leave Lag out when the invocation delivered no document (an EMF array must not be empty)', () => {
    const lines = consumerMetricsDocuments({ ...empty, records: 2, documents: 3, dropped: { record_json_invalid: 2 } }, context);
    expect(lines).toHaveLength(1);
    const m = readDocuments(lines);
    expect(m.has(C.lag)).toBe(false);
    expect(m.get('DataDropped.record_json_invalid')).toBe(2);
  });
});

describe('reasons in metric names', () => {
  it('keep [A-Za-z0-9_] only, at most 64 characters, never empty', () => {
    expect(sanitizeReason('metric_value_missing')).toBe('metric_value_missing');
    expect(sanitizeReason('HTTP 503: Service Unavailable')).toBe('HTTP_503__Service_Unavailable');
    expect(sanitizeReason('é\n')).toBe('__');
    expect(sanitizeReason('')).toBe('_');
    expect(sanitizeReason('x'.repeat(200))).toBe('x'.repeat(64));
  });

  it('that collide once sanitised are added up', () => {
    const m = readDocuments(consumerMetricsDocuments({ ...empty, dropped: { 'rate limited': 2, 'rate-limited': 3 }, dataDropped: 5 }, context));
    expect(m.get('DataDropped.rate_limited')).toBe(5);
  });

  it('beyond 30 per total: the 29 largest are kept, the rest summed under <total>.other', () => {
    const dropped: Record<string, number> = {};
    for (let i = 1; i <= 40; i++) dropped[`provider_reason_${i}`] = i;
    dropped.other = 1;
    const m = readDocuments(consumerMetricsDocuments({ ...empty, dropped }, context));
    const per = [...m.keys()].filter((k) => k.startsWith('DataDropped.'));
    expect(per).toHaveLength(30);
    for (let i = 12; i <= 40; i++) expect(m.get(`DataDropped.provider_reason_${i}`)).toBe(i);
    // 1 + 2 + … + 11, and the reason already named "other".
    expect(m.get('DataDropped.other')).toBe(66 + 1);
  });
});

describe('scraperMetricsDocument', () => {
  const scraperCounts: fc.Arbitrary<ScraperCounts> = fc.record({
    metrics: count, skipped: reasons, queries: count, calls: count, listCalls: count, retries: count, failedQueries: reasons, documents: count, records: count, retriedEntries: count,
  });
  it('is valid EMF that the consumer reads back into exactly the counts put in', () => {
    fc.assert(
      fc.property(scraperCounts, (s) => {
        const line = scraperMetricsDocument(s, context);
        for (const d of readDocument(line)) expect([d.namespace, d.unit, d.dimensions]).toEqual([PIPELINE_NAMESPACE, 'Count', { [PIPELINE_DIMENSION]: context.functionName }]);
        const m = readDocuments([line]);
        expect([S.metrics, S.queries, S.calls, S.listCalls, S.retries, S.documentsWritten, S.records, S.kinesisRetries].map((k) => m.get(k))).toEqual([
          s.metrics, s.queries, s.calls, s.listCalls, s.retries, s.documents, s.records, s.retriedEntries,
        ]);
        expect([m.get(S.metricsSkipped), m.get(S.queriesFailed)]).toEqual([positiveSum(s.skipped), positiveSum(s.failedQueries)]);
        expectByReason(m, S.metricsSkipped, s.skipped);
        expectByReason(m, S.queriesFailed, s.failedQueries);
      }),
      options(300),
    );
  });
});

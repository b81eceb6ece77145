import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { describe, expect, it } from 'vitest';
import { detectEmf } from '../../../shared/emf/detect.ts';
import { platformDocument } from '../../../shared/platform/platformDocument.ts';
import { parsePlatformLine, type PlatformReport } from '../../../shared/platform/platformLine.ts';

describe('platformDocument', () => {
  it('builds a valid EMF document dimensioned by function name', () => {
    const line = parsePlatformLine('REPORT RequestId: r1\tDuration: 10 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 100 ms\t\n');
    if (line?.kind !== 'report') throw new Error('expected a report');
    const text = platformDocument({ ...line, timedOut: false }, { namespace: 'EmfFanout/Lambda', logGroup: '/aws/lambda/orders', timestamp: 1_763_900_000_000 });
    const d = detectEmf(text);
    expect(d.kind).toBe('emf');
    const doc = JSON.parse(text);
    expect(doc._aws.CloudWatchMetrics[0].Dimensions).toEqual([['FunctionName']]);
    expect(doc).toMatchObject({ FunctionName: 'orders', Duration: 10, ColdStart: 1, InitDuration: 100, Timeouts: 0, Errors: 0, Invocations: 1 });
  });

  it('uses LogGroup as the dimension for custom log groups, and marks timeouts', () => {
    const text = platformDocument({ kind: 'timeout', requestId: 'r9' }, { namespace: 'N', logGroup: 'shared-logs', timestamp: 1 });
    expect(JSON.parse(text)).toMatchObject({ LogGroup: 'shared-logs', Timeouts: 1, Status: 'timeout' });
    expect(detectEmf(text).kind).toBe('emf');
  });
});

describe('platformDocument is the plainly built document', () => {
  // The reference: the document as an object in the documented key order, serialised by JSON.stringify.
  const reference = (r: PlatformReport, timedOut: boolean, namespace: string, logGroup: string, timestamp: number): string => {
    const fn = logGroup.startsWith('/aws/lambda/') && logGroup.length > 12 ? logGroup.slice(12) : undefined;
    const dimKey = fn === undefined ? 'LogGroup' : 'FunctionName';
    const units: [string, string][] = [['Invocations', 'Count'], ['Duration', 'Milliseconds'], ['BilledDuration', 'Milliseconds'], ['MemorySize', 'Megabytes'],
      ['MaxMemoryUsed', 'Megabytes'], ['ColdStart', 'Count'], ['Errors', 'Count'], ['Timeouts', 'Count']];
    if (r.initDurationMs !== undefined) units.push(['InitDuration', 'Milliseconds']);
    if (r.restoreDurationMs !== undefined) units.push(['RestoreDuration', 'Milliseconds']);
    const out = timedOut || r.status === 'timeout';
    return JSON.stringify({
      _aws: { Timestamp: Math.trunc(timestamp), CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[dimKey]], Metrics: units.map(([Name, Unit]) => ({ Name, Unit })) }] },
      [dimKey]: fn ?? logGroup, RequestId: r.requestId, Status: out ? 'timeout' : r.status,
      ...(r.errorType === undefined ? {} : { ErrorType: r.errorType }),
      Invocations: 1, Duration: r.durationMs, BilledDuration: r.billedDurationMs, MemorySize: r.memorySizeMB, MaxMemoryUsed: r.maxMemoryUsedMB,
      ColdStart: r.initDurationMs !== undefined || r.restoreDurationMs !== undefined ? 1 : 0,
      Errors: r.status === 'error' || r.status === 'failure' ? 1 : 0, Timeouts: out ? 1 : 0,
      ...(r.initDurationMs === undefined ? {} : { InitDuration: r.initDurationMs }),
      ...(r.restoreDurationMs === undefined ? {} : { RestoreDuration: r.restoreDurationMs }),
    });
  };
  const ms = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e6, noNaN: true }));
  const text = fc.oneof(fc.string({ maxLength: 40 }), fc.uuid(), fc.string({ unit: 'binary', maxLength: 10 }));
  const report: fc.Arbitrary<PlatformReport> = fc.record({
    requestId: text, durationMs: ms, billedDurationMs: ms, memorySizeMB: fc.nat(), maxMemoryUsedMB: fc.nat(),
    initDurationMs: ms, restoreDurationMs: ms, status: fc.constantFrom('success', 'timeout', 'error', 'failure'), errorType: text,
  }, { requiredKeys: ['requestId', 'durationMs', 'billedDurationMs', 'memorySizeMB', 'maxMemoryUsedMB', 'status'] });

  it('for any report, namespace and log group: the same text', () => {
    fc.assert(fc.property(report, fc.boolean(), fc.oneof(fc.constant('EmfFanout/Lambda'), text), fc.oneof(fc.constant('/aws/lambda/orders'), fc.constant('/aws/lambda/'), text),
      fc.oneof(fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }), fc.double({ min: 0, max: 2e12, noNaN: true })),
      (r, timedOut, namespace, logGroup, timestamp) => {
        expect(platformDocument({ kind: 'report', report: r, timedOut }, { namespace, logGroup, timestamp })).toBe(reference(r, timedOut, namespace, logGroup, timestamp));
      }), { numRuns: fuzzRuns(500) });
  });
});

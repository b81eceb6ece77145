import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { describe, expect, it } from 'vitest';
import { platformDocument } from '../../../shared/platform/platformDocument.ts';
import type { PlatformReport } from '../../../shared/platform/platformLine.ts';
import { PlatformReportDocument } from '../../../shared/platform/PlatformReportDocument.ts';

describe('PlatformReportDocument writes the bytes of platformDocument', () => {
  const ms = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e6, noNaN: true })).map(String);
  const text = fc.oneof(fc.string({ maxLength: 40 }), fc.uuid(), fc.string({ unit: 'binary', maxLength: 10 }));
  const report: fc.Arbitrary<PlatformReport> = fc.record({
    requestId: text, durationMs: ms, billedDurationMs: ms, memorySizeMB: fc.nat().map(String), maxMemoryUsedMB: fc.nat().map(String),
    initDurationMs: ms, restoreDurationMs: ms, status: fc.constantFrom('success', 'timeout', 'error', 'failure'), errorType: text,
  }, { requiredKeys: ['requestId', 'durationMs', 'billedDurationMs', 'memorySizeMB', 'maxMemoryUsedMB', 'status'] });

  it('for any report, namespace and log group: the same text as UTF-8, within its bound, wherever it starts in the buffer', () => {
    fc.assert(fc.property(report, fc.boolean(), fc.oneof(fc.constant('EmfFanout/Lambda'), text), fc.oneof(fc.constant('/aws/lambda/orders'), fc.constant('/aws/lambda/'), text),
      fc.oneof(fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }), fc.double({ min: 0, max: 2e12, noNaN: true })),
      (r, timedOut, namespace, logGroup, timestamp) => {
        const want = platformDocument({ kind: 'report', report: r, timedOut }, { namespace, logGroup, timestamp });
        const doc = new PlatformReportDocument(r, timedOut, { namespace, logGroup, timestamp });
        const out = Buffer.alloc(doc.maxBytes + 7, 0xee);
        const end = doc.writeTo(out, 7);
        expect(out.subarray(7, end).toString('utf8')).toBe(want);
        expect(end - 7).toBe(Buffer.byteLength(want));
        expect(end - 7).toBeLessThanOrEqual(doc.maxBytes);
        expect(String(doc)).toBe(want);
      }), { numRuns: fuzzRuns(500) });
  });
});

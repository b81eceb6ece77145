import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { describe, expect, it } from 'vitest';
import { parsePlatformLine } from '../../../shared/platform/platformLine.ts';

describe('parsePlatformLine', () => {
  it('parses a TEXT REPORT line with its trailing tab and newline', () => {
    const line = 'REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\tDuration: 46.84 ms\tBilled Duration: 47 ms \tMemory Size: 192 MB\tMax Memory Used: 72 MB\t\n';
    expect(parsePlatformLine(line)).toEqual({
      kind: 'report',
      report: { requestId: '6234bffe-149a-b642-81ff-2e8e376d8aff', durationMs: 46.84, billedDurationMs: 47, memorySizeMB: 192, maxMemoryUsedMB: 72, status: 'success' },
    });
  });

  it('parses Init Duration, Restore Duration, Status and Error Type', () => {
    const line = 'REPORT RequestId: r1\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 90 MB\tInit Duration: 166.62 ms\tRestore Duration: 12.5 ms\tStatus: error\tError Type: Runtime.ExitError\n';
    expect(parsePlatformLine(line)).toMatchObject({
      kind: 'report',
      report: { durationMs: 3000, initDurationMs: 166.62, restoreDurationMs: 12.5, status: 'error', errorType: 'Runtime.ExitError' },
    });
    const spaced = 'REPORT RequestId: r2\tDuration: 3001.1 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 90 MB\tInit Duration: 578.07 ms Status: timeout\n';
    expect(parsePlatformLine(spaced)).toMatchObject({ kind: 'report', report: { status: 'timeout', initDurationMs: 578.07, durationMs: 3001.1 } });
    const xray = 'REPORT RequestId: 24a1a6c9-3a95-4f28-81bf-0a2ebfd8f9f4\tDuration: 26.73 ms\tBilled Duration: 194 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\tInit Duration: 166.62 ms\tXRAY TraceId: 1-6b0436b3-c70449b6\tSegmentId: 3d75bd9c\tSampled: true\t\n';
    expect(parsePlatformLine(xray)).toEqual({
      kind: 'report',
      report: { requestId: '24a1a6c9-3a95-4f28-81bf-0a2ebfd8f9f4', durationMs: 26.73, billedDurationMs: 194, memorySizeMB: 128, maxMemoryUsedMB: 75, initDurationMs: 166.62, status: 'success' },
    });
  });

  it('reads each number as Number reads its text', () => {
    const token = fc.tuple(fc.stringMatching(/^\d{1,20}$/), fc.nat(20)).map(([d, at]) => (at > d.length ? d : `${d.slice(0, at)}.${d.slice(at)}`));
    fc.assert(fc.property(token, (t) => {
      const l = `REPORT RequestId: r\tDuration: ${t} ms\tBilled Duration: ${t} ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n`;
      expect(parsePlatformLine(l)).toMatchObject({ kind: 'report', report: { durationMs: Number(t), billedDurationMs: Number(t) } });
    }), { numRuns: fuzzRuns(3000) });
  });

  it('parses the classic timeout line and the JSON platform.report record', () => {
    expect(parsePlatformLine('2020-11-10T05:46:57.874Z 8d2c1a5e-3b6c-4f1e-9a2b-0c1d2e3f4a5b Task timed out after 3.07 seconds')).toEqual({
      kind: 'timeout', requestId: '8d2c1a5e-3b6c-4f1e-9a2b-0c1d2e3f4a5b', seconds: 3.07,
    });
    const json = JSON.stringify({ time: '2026-11-23T10:00:00.000Z', type: 'platform.report', record: { requestId: 'r3', metrics: { durationMs: 5.5, billedDurationMs: 6, memorySizeMB: 256, maxMemoryUsedMB: 80, initDurationMs: 200.1 }, status: 'timeout' } });
    expect(parsePlatformLine(json)).toMatchObject({ kind: 'report', report: { requestId: 'r3', durationMs: 5.5, initDurationMs: 200.1, status: 'timeout' } });
  });

  it('reports REPORT lines it cannot read, and ignores everything else', () => {
    expect(parsePlatformLine('REPORT RequestId: r\tDuration: fast\n')).toMatchObject({ kind: 'unparsable' });
    expect(parsePlatformLine('REPORT RequestId: r\tDuration: 1.2.3 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB\n')).toMatchObject({ kind: 'unparsable' });
    expect(parsePlatformLine('START RequestId: r Version: $LATEST\n')).toBeUndefined();
    expect(parsePlatformLine('user said: Task timed out after lunch')).toBeUndefined();
    expect(parsePlatformLine(JSON.stringify({ time: 't', type: 'platform.start', record: {} }))).toBeUndefined();
    expect(parsePlatformLine('not JSON, but it says "platform.report"')).toBeUndefined();
  });
});

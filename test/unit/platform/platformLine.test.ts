import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { describe, expect, it } from 'vitest';
import { parsePlatformLine, parseReportOnePass, parseTextReportAnyShape } from '../../../shared/platform/platformLine.ts';

describe('parsePlatformLine', () => {
  it('parses a TEXT REPORT line with its trailing tab and newline', () => {
    const line = 'REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\tDuration: 46.84 ms\tBilled Duration: 47 ms \tMemory Size: 192 MB\tMax Memory Used: 72 MB\t\n';
    expect(parsePlatformLine(line)).toEqual({
      kind: 'report',
      report: { requestId: '6234bffe-149a-b642-81ff-2e8e376d8aff', durationMs: '46.84', billedDurationMs: '47', memorySizeMB: '192', maxMemoryUsedMB: '72', status: 'success' },
    });
  });

  it('parses Init Duration, Restore Duration, Status and Error Type', () => {
    const line = 'REPORT RequestId: r1\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 90 MB\tInit Duration: 166.62 ms\tRestore Duration: 12.5 ms\tStatus: error\tError Type: Runtime.ExitError\n';
    expect(parsePlatformLine(line)).toMatchObject({
      kind: 'report',
      report: { durationMs: '3000', initDurationMs: '166.62', restoreDurationMs: '12.5', status: 'error', errorType: 'Runtime.ExitError' },
    });
    const spaced = 'REPORT RequestId: r2\tDuration: 3001.1 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 90 MB\tInit Duration: 578.07 ms Status: timeout\n';
    expect(parsePlatformLine(spaced)).toMatchObject({ kind: 'report', report: { status: 'timeout', initDurationMs: '578.07', durationMs: '3001.1' } });
  });

  it('parses the classic timeout line and the JSON platform.report record', () => {
    expect(parsePlatformLine('2020-11-10T05:46:57.874Z 8d2c1a5e-3b6c-4f1e-9a2b-0c1d2e3f4a5b Task timed out after 3.07 seconds')).toEqual({
      kind: 'timeout', requestId: '8d2c1a5e-3b6c-4f1e-9a2b-0c1d2e3f4a5b', seconds: 3.07,
    });
    const json = JSON.stringify({ time: '2026-11-23T10:00:00.000Z', type: 'platform.report', record: { requestId: 'r3', metrics: { durationMs: 5.5, billedDurationMs: 6, memorySizeMB: 256, maxMemoryUsedMB: 80, initDurationMs: 200.1 }, status: 'timeout' } });
    expect(parsePlatformLine(json)).toMatchObject({ kind: 'report', report: { requestId: 'r3', durationMs: '5.5', initDurationMs: '200.1', status: 'timeout' } });
  });

  it('reports REPORT lines it cannot read, and ignores everything else', () => {
    expect(parsePlatformLine('REPORT RequestId: r\tDuration: fast\n')).toMatchObject({ kind: 'unparsable' });
    expect(parsePlatformLine('REPORT RequestId: r\tDuration: 1.2.3 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB\n')).toMatchObject({ kind: 'unparsable' });
    expect(parsePlatformLine('START RequestId: r Version: $LATEST\n')).toBeUndefined();
    expect(parsePlatformLine('user said: Task timed out after lunch')).toBeUndefined();
    expect(parsePlatformLine(JSON.stringify({ time: 't', type: 'platform.start', record: {} }))).toBeUndefined();
  });
});

describe('parsePlatformLine: the one-pass reading of REPORT lines', () => {
  // The reference: each field found by its own expression, wherever it stands (lambda.ts falls back to it).
  const reference = parseTextReportAnyShape;
  const number = fc.oneof(
    { arbitrary: fc.oneof(fc.nat(5000).map(String), fc.double({ min: 0, max: 1e5, noNaN: true }).map((d) => d.toFixed(2))), weight: 20 },
    fc.constantFrom('5.', '.5', '.', '007', '1.2.3', '1e5', '12345678901234567.5', '9'.repeat(400), ''),
  );
  const sep = fc.oneof({ arbitrary: fc.constant('\t'), weight: 10 }, fc.constantFrom(' \t', '\n', '', ' ', '\t\t'));
  const field = (label: string, unit: string) => fc.tuple(number, sep).map(([n, s]) => `${label}${n}${unit}${s}`);
  const line = fc.tuple(
    fc.constantFrom('REPORT RequestId: '), fc.oneof(fc.uuid(), fc.stringMatching(/^[\w-]{0,6}$/), fc.string({ maxLength: 4 })), sep,
    field('Duration: ', ' ms'), field('Billed Duration: ', ' ms'), field('Memory Size: ', ' MB'), field('Max Memory Used: ', ' MB'),
    fc.option(field('Init Duration: ', ' ms')), fc.option(field('Restore Duration: ', ' ms')), fc.option(field('Billed Restore Duration: ', ' ms')),
    fc.option(fc.tuple(fc.constantFrom('timeout', 'error', 'success', 'failure', 'errors', 'err-x'), sep).map(([w, s]) => `Status: ${w}${s}`)),
    fc.option(fc.tuple(fc.oneof(fc.constantFrom('Runtime.ExitError', ' x y ', '', 'Init Duration: 9 ms'), fc.string({ maxLength: 5 })), sep).map(([t, s]) => `Error Type: ${t}${s}`)),
    fc.constantFrom('', '\n', 'XRAY TraceId: 1-6b0436b3-c70449b6\tSegmentId: 3d75bd9c\tSampled: true\t\n', 'Status: error', 'Init Duration: 5 ms', 'a: b'),
  ).map((parts) => parts.map((p) => p ?? '').join(''));

  it('reads the lines Lambda writes in one pass, without falling back', () => {
    const lines = [
      'REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\tDuration: 46.84 ms\tBilled Duration: 47 ms \tMemory Size: 192 MB\tMax Memory Used: 72 MB\t\n',
      'REPORT RequestId: r1\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 90 MB\tInit Duration: 166.62 ms\tRestore Duration: 12.5 ms\tStatus: error\tError Type: Runtime.ExitError\n',
      'REPORT RequestId: 24a1a6c9-3a95-4f28-81bf-0a2ebfd8f9f4\tDuration: 26.73 ms\tBilled Duration: 194 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\tInit Duration: 166.62 ms\tXRAY TraceId: 1-6b0436b3-c70449b6\tSegmentId: 3d75bd9c\tSampled: true\t\n',
    ];
    for (const l of lines) expect(parseReportOnePass(l)).toEqual(reference(l));
  });

  it('keeps each number as the text String(Number(t)) prints; reads in one pass the numbers Lambda prints', () => {
    const anyToken = fc.tuple(fc.stringMatching(/^\d{1,20}$/), fc.nat(20)).map(([d, at]) => (at > d.length ? d : `${d.slice(0, at)}.${d.slice(at)}`));
    // Up to 13 digits, then none, one or two decimals, trailing zeros included: the one-pass reading's numbers.
    const lambdaToken = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 13n - 1n }), fc.constantFrom('', '.0', '.00', '.5', '.50', '.05', '.73', '.1', '.99'))
      .map(([whole, fraction]) => `${whole}${fraction}`);
    fc.assert(fc.property(fc.oneof(anyToken, lambdaToken), (t) => {
      const l = `REPORT RequestId: r\tDuration: ${t} ms\tBilled Duration: ${t} ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n`;
      const got = parsePlatformLine(l);
      expect(got).toEqual(reference(l));
      expect(got).toMatchObject({ kind: 'report', report: { durationMs: String(Number(t)), billedDurationMs: String(Number(t)) } });
      expect(parseReportOnePass(l) !== undefined).toBe(/^(?:0|[1-9]\d{0,12})(?:\.\d\d?)?$/.test(t));
    }), { numRuns: fuzzRuns(3000) });
  });

  it('reads every REPORT line as the field-by-field expressions do', () => {
    fc.assert(fc.property(line, (l) => {
      const got = parsePlatformLine(l);
      const want = reference(l);
      if (want.kind === 'unparsable') expect(got).toMatchObject({ kind: 'unparsable' });
      else expect(got).toEqual(want);
    }), { numRuns: fuzzRuns(5000) });
  });
});

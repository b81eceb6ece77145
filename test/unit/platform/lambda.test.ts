import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePlatformLine, parseReportOnePass, parseTextReportAnyShape, platformDocument, PlatformReportDocument, type PlatformReport } from '../../../shared/platform/lambda.ts';
import { detectEmf } from '../../../shared/emf/detect.ts';
import { isPlainJsonString } from '../../../shared/record/bytes.ts';

describe('parsePlatformLine', () => {
  it('parses a TEXT REPORT line with its trailing tab and newline', () => {
    const line = 'REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\tDuration: 46.84 ms\tBilled Duration: 47 ms \tMemory Size: 192 MB\tMax Memory Used: 72 MB\t\n';
    expect(parsePlatformLine(line)).toEqual({
      kind: 'report',
      report: { requestId: '6234bffe-149a-b642-81ff-2e8e376d8aff', plainRequestId: true, durationMs: '46.84', billedDurationMs: '47', memorySizeMB: '192', maxMemoryUsedMB: '72', status: 'success' },
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
    expect(parsePlatformLine(json)).toMatchObject({ kind: 'report', report: { requestId: 'r3', plainRequestId: true, durationMs: '5.5', initDurationMs: '200.1', status: 'timeout' } });
  });

  it('reports REPORT lines it cannot read, and ignores everything else', () => {
    expect(parsePlatformLine('REPORT RequestId: r\tDuration: fast\n')).toMatchObject({ kind: 'unparsable' });
    expect(parsePlatformLine('REPORT RequestId: r\tDuration: 1.2.3 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB\n')).toMatchObject({ kind: 'unparsable' });
    expect(parsePlatformLine('START RequestId: r Version: $LATEST\n')).toBeUndefined();
    expect(parsePlatformLine('user said: Task timed out after lunch')).toBeUndefined();
    expect(parsePlatformLine(JSON.stringify({ time: 't', type: 'platform.start', record: {} }))).toBeUndefined();
  });
});

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
      Invocations: 1, Duration: Number(r.durationMs), BilledDuration: Number(r.billedDurationMs), MemorySize: Number(r.memorySizeMB), MaxMemoryUsed: Number(r.maxMemoryUsedMB),
      ColdStart: r.initDurationMs !== undefined || r.restoreDurationMs !== undefined ? 1 : 0,
      Errors: r.status === 'error' || r.status === 'failure' ? 1 : 0, Timeouts: out ? 1 : 0,
      ...(r.initDurationMs === undefined ? {} : { InitDuration: Number(r.initDurationMs) }),
      ...(r.restoreDurationMs === undefined ? {} : { RestoreDuration: Number(r.restoreDurationMs) }),
    });
  };
  const ms = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e6, noNaN: true })).map(String);
  const text = fc.oneof(fc.string({ maxLength: 40 }), fc.uuid(), fc.string({ unit: 'binary', maxLength: 10 }));
  const report: fc.Arbitrary<PlatformReport> = fc.record({
    requestId: text, plainRequestId: fc.boolean(), durationMs: ms, billedDurationMs: ms, memorySizeMB: fc.nat().map(String), maxMemoryUsedMB: fc.nat().map(String),
    initDurationMs: ms, restoreDurationMs: ms, status: fc.constantFrom('success', 'timeout', 'error', 'failure'), errorType: text,
  }, { requiredKeys: ['requestId', 'plainRequestId', 'durationMs', 'billedDurationMs', 'memorySizeMB', 'maxMemoryUsedMB', 'status'] })
    // A report says its id is plain only when it is (either way when it is: the writer has a path for each).
    .map((r) => ({ ...r, plainRequestId: r.plainRequestId && isPlainJsonString(r.requestId) }));

  it('for any report, namespace and log group: the same text, and PlatformReportDocument writes its bytes', () => {
    fc.assert(fc.property(report, fc.boolean(), fc.oneof(fc.constant('EmfFanout/Lambda'), text), fc.oneof(fc.constant('/aws/lambda/orders'), fc.constant('/aws/lambda/'), text),
      fc.oneof(fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }), fc.double({ min: 0, max: 2e12, noNaN: true })),
      (r, timedOut, namespace, logGroup, timestamp) => {
        const got = platformDocument({ kind: 'report', report: r, timedOut }, { namespace, logGroup, timestamp });
        expect(got).toBe(reference(r, timedOut, namespace, logGroup, timestamp));
        // The forwarder's writer: the same text as UTF-8, within its bound, wherever it starts in the buffer.
        const doc = new PlatformReportDocument(r, timedOut, { namespace, logGroup, timestamp });
        const out = Buffer.alloc(doc.maxBytes + 7, 0xee);
        const end = doc.writeTo(out, 7);
        expect(out.subarray(7, end).toString('utf8')).toBe(got);
        expect(end - 7).toBe(Buffer.byteLength(got));
        expect(end - 7).toBeLessThanOrEqual(doc.maxBytes);
        expect(String(doc)).toBe(got);
      }), { numRuns: 500 });
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
    }), { numRuns: 3000 });
  });

  it('reads every REPORT line as the field-by-field expressions do', () => {
    fc.assert(fc.property(line, (l) => {
      const got = parsePlatformLine(l);
      const want = reference(l);
      if (want.kind === 'unparsable') expect(got).toMatchObject({ kind: 'unparsable' });
      else expect(got).toEqual(want);
    }), { numRuns: 5000 });
  });
});

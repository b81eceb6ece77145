import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { describe, expect, it } from 'vitest';
import { detectEmf } from '../../../shared/emf/detect.ts';

const emf = (extra: Record<string, unknown> = {}, directive: Record<string, unknown> = {}) =>
  JSON.stringify({
    _aws: {
      Timestamp: 1_763_900_000_000,
      CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [['Service']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }], ...directive }],
    },
    Service: 'cart',
    Latency: 12.5,
    ...extra,
  });

describe('detectEmf: forms', () => {
  it('finds a bare JSON document and keeps its text verbatim', () => {
    const text = emf().replace('12.5', '12.50');
    const d = detectEmf(text + '\n');
    expect(d).toMatchObject({ kind: 'emf', text });
  });

  it('finds a document behind the Node text prefix', () => {
    const text = emf();
    const d = detectEmf(`2026-11-23T10:00:00.123Z\t6f0c6c7e-1b8a-4d2b-9c59-6a9a3f4a8e11\tINFO\t${text}\n`);
    expect(d).toMatchObject({ kind: 'emf', text });
  });

  it('finds a document behind the Python text prefix', () => {
    const text = emf();
    expect(detectEmf(`[INFO]\t2026-11-23T10:00:00.123Z\t6f0c6c7e-1b8a-4d2b-9c59-6a9a3f4a8e11\t${text}`)).toMatchObject({ kind: 'emf', text });
  });

  it('finds a document behind the .NET prefix (level then newline)', () => {
    const text = emf();
    expect(detectEmf(`2026-11-23T10:00:00.123Z\t6f0c6c7e\tinfo\n${text}`)).toMatchObject({ kind: 'emf', text });
  });

  it('finds a document given as a string in a Lambda JSON-format line', () => {
    const text = emf();
    const line = JSON.stringify({ timestamp: '2026-11-23T10:00:00.123Z', level: 'INFO', requestId: 'r-1', message: text });
    expect(detectEmf(line)).toMatchObject({ kind: 'emf', text });
  });

  it('finds a document given as an object in a Lambda JSON-format line', () => {
    const doc = JSON.parse(emf());
    const line = JSON.stringify({ timestamp: '2026-11-23T10:00:00.123Z', level: 'INFO', requestId: 'r-1', message: doc });
    expect(detectEmf(line)).toMatchObject({ kind: 'emf', text: JSON.stringify(doc) });
  });

  it('leaves lines without _aws alone, and lines that only mention it', () => {
    expect(detectEmf('START RequestId: x Version: $LATEST')).toEqual({ kind: 'plain' });
    expect(detectEmf('config loaded: _aws settings ok')).toEqual({ kind: 'plain' });
    expect(detectEmf(JSON.stringify({ level: 'INFO', message: 'hello', cfg: { _aws: 1 } }))).toEqual({ kind: 'plain' });
    expect(detectEmf(JSON.stringify({ timestamp: 't', level: 'INFO', message: 'the _aws key' }))).toEqual({ kind: 'plain' });
  });

  it('reports JSON that breaks after a valid prefix, and unknown prefixes', () => {
    expect(detectEmf(`2026-11-23T10:00:00.123Z\tr\tINFO\t{"_aws":{"Timestamp":1,`)).toMatchObject({ kind: 'invalid', reason: 'json_invalid' });
    expect(detectEmf(`metrics: {"_aws":{}}`)).toMatchObject({ kind: 'invalid', reason: 'prefix_unrecognised' });
  });

  it('rejects a document over 1 MB before parsing it', () => {
    const big = emf({ Blob: 'x'.repeat(1_048_576) });
    expect(detectEmf(big)).toMatchObject({ kind: 'invalid', reason: 'document_too_large' });
  });
});

describe('detectEmf: validation rules of the EMF specification', () => {
  const cases: [string, string][] = [
    ['timestamp_invalid', JSON.stringify({ _aws: { Timestamp: 1.5, CloudWatchMetrics: [] } })],
    ['timestamp_invalid', JSON.stringify({ _aws: { Timestamp: '1763900000000', CloudWatchMetrics: [] } })],
    ['aws_invalid', JSON.stringify({ _aws: 'x' })],
    ['directives_invalid', JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: {} } })],
    ['namespace_invalid', emf({}, { Namespace: '' })],
    ['too_many_metrics', emf(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`m${i}`, i])), { Metrics: Array.from({ length: 101 }, (_, i) => ({ Name: `m${i}` })) })],
    ['too_many_dimensions', emf(Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`d${i}`, 'v'])), { Dimensions: [Array.from({ length: 31 }, (_, i) => `d${i}`)] })],
    ['dimension_missing', emf({}, { Dimensions: [['Nope']] })],
    ['dimension_value_not_string', emf({ Service: 404 })],
    ['dimension_value_too_long', emf({ Service: 'x'.repeat(1025) })],
    ['metric_missing', emf({}, { Metrics: [{ Name: 'Nope' }] })],
    ['metric_value_invalid', emf({ Latency: 'fast' })],
    ['metric_value_invalid', emf({ Latency: [] })],
    ['metric_value_invalid', emf({ Latency: { Sum: 1, Min: 1, Max: 1 } })],
    ['too_many_values', emf({ Latency: Array.from({ length: 101 }, (_, i) => i) })],
    ['unit_invalid', emf({}, { Metrics: [{ Name: 'Latency', Unit: 'Fortnights' }] })],
    ['storage_resolution_invalid', emf({}, { Metrics: [{ Name: 'Latency', StorageResolution: 5 }] })],
    ['metric_name_invalid', emf({}, { Metrics: [{ Unit: 'Count' }] })],
  ];
  it.each(cases)('%s', (reason, text) => {
    expect(detectEmf(text)).toMatchObject({ kind: 'invalid', reason });
  });

  // Names a plain object inherits (Object.prototype's members, and __proto__) are not root members.
  it.each(['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__'])('"%s" is a root member only when the document has it', (name) => {
    const withMembers = (members: string) => `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["${name}"]],"Metrics":[{"Name":"${name}"}]}]}${members}}`;
    expect(detectEmf(withMembers(''))).toMatchObject({ kind: 'invalid', reason: 'dimension_missing' });
    const metricOnly = `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[],"Metrics":[{"Name":"${name}"}]}]}}`;
    expect(detectEmf(metricOnly)).toMatchObject({ kind: 'invalid', reason: 'metric_missing' });
    // A dimension and a metric cannot share one member: as a string it is no metric value, as a number no dimension value.
    expect(detectEmf(withMembers(`,"${name}":"v"`))).toMatchObject({ kind: 'invalid', reason: 'metric_value_invalid' });
    expect(detectEmf(withMembers(`,"${name}":1`))).toMatchObject({ kind: 'invalid', reason: 'dimension_value_not_string' });
    const metricOwn = `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[],"Metrics":[{"Name":"${name}"}]}]},"${name}":2}`;
    expect(detectEmf(metricOwn)).toMatchObject({ kind: 'emf' });
  });

  it('accepts what the specification allows', () => {
    const ok = [
      emf({}, { Dimensions: [[]] }),
      emf({}, { Dimensions: undefined }),
      emf({ Latency: Array.from({ length: 100 }, (_, i) => i) }),
      emf({ Latency: { Values: [1, 2], Counts: [3, 4], Sum: 11, Min: 1, Max: 2, Count: 7 } }),
      emf({ Latency: { Sum: 11, Min: 1, Max: 2, Count: 7 } }),
      emf({}, { Metrics: [{ Name: 'Latency', Unit: 'Count/Second', StorageResolution: 1 }] }),
      emf({ Extra: { nested: [1, { a: 2 }] } }, { Dimensions: [['Service'], []] }),
      emf(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${i}`, 'v'])), { Dimensions: [Array.from({ length: 30 }, (_, i) => `d${i}`)] }),
    ];
    for (const text of ok) expect(detectEmf(text)).toMatchObject({ kind: 'emf', text });
  });
});

describe('metrics per document (dimension sets × metric definitions)', () => {
  const doc = (sets: number, metrics: number, directives = 1) => {
    const names = Array.from({ length: metrics }, (_, i) => `M${i}`);
    const directive = `{"Namespace":"N","Dimensions":[${Array(sets).fill('["A"]').join(',')}],"Metrics":[${names.map((n) => `{"Name":"${n}"}`).join(',')}]}`;
    return `{"_aws":{"Timestamp":1763900000000,"CloudWatchMetrics":[${Array(directives).fill(directive).join(',')}]},"A":"a",${names.map((n) => `"${n}":1`).join(',')}}`;
  };
  it('accepts up to 1,000 (PutMetricData\'s limit per request) and rejects more, counted over every directive', () => {
    expect(detectEmf(doc(10, 100)).kind).toBe('emf');
    expect(detectEmf(doc(5, 100, 2)).kind).toBe('emf');
    expect(detectEmf(doc(11, 91))).toMatchObject({ kind: 'invalid', reason: 'document_too_many_metrics', detail: expect.stringContaining('1001 metrics') });
    expect(detectEmf(doc(4, 100, 3))).toMatchObject({ kind: 'invalid', reason: 'document_too_many_metrics' });
  });

  it('fast-check: any sets × metrics × directives is accepted exactly when the product is at most 1,000', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 4 }), (sets, metrics, directives) => {
      const found = detectEmf(doc(sets, metrics, directives));
      if (sets * metrics * directives <= 1000) expect(found.kind).toBe('emf');
      else expect(found).toMatchObject({ kind: 'invalid', reason: 'document_too_many_metrics' });
    }), { numRuns: fuzzRuns(200) });
  });
});

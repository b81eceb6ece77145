import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { describe, expect, it } from 'vitest';
import { emfToData } from '../../../shared/consumer/emfToData.ts';
import type { DatumSource } from '../../../shared/consumer/types.ts';
import { Tally } from '../../../shared/tally.ts';

const source: DatumSource = {
  account: '111122223333',
  region: 'eu-central-1',
  logGroup: '/aws/lambda/checkout',
  logStream: '2025/03/04/[$LATEST]abc',
  eventId: '37512432432434343434343434343434343434343434343434343434',
  origin: 'emf',
};

function decode(doc: unknown, eventTimestamp = 1_700_000_000_999) {
  const issues = { dropped: new Tally(), warnings: new Tally() };
  // Documents reach emfToData parsed from the record: a string stands for the JSON text of one.
  const data = emfToData(typeof doc === 'string' ? JSON.parse(doc) : doc, source, eventTimestamp, issues);
  return { data, dropped: issues.dropped.counts, warnings: issues.warnings.counts, examples: { ...issues.dropped.examples, ...issues.warnings.examples } };
}

const aws = (directives: unknown[], Timestamp: unknown = 1_700_000_000_000) => ({ _aws: { Timestamp, CloudWatchMetrics: directives } });

describe('emfToData: value shapes', () => {
  it('expands a number, an array and a statistic set (count from Counts, else Count)', () => {
    // Prepare
    const doc = {
      ...aws([{ Namespace: 'Shop', Dimensions: [['Service']], Metrics: [{ Name: 'one', Unit: 'Count' }, { Name: 'many', Unit: 'Milliseconds' }, { Name: 'hist' }, { Name: 'stats' }] }]),
      Service: 'cart',
      one: 1,
      many: [3, 4.5, 3],
      hist: { Values: [10, 20], Counts: [3, 1], Sum: 50, Min: 10, Max: 20, Count: 999 },
      stats: { Sum: 12, Min: 1, Max: 8, Count: 4 },
    };
    // Act
    const { data, dropped, warnings } = decode(doc);
    // Assess
    expect(dropped).toEqual({});
    expect(warnings).toEqual({});
    expect(data.map((d) => [d.name, d.unit, d.value])).toEqual([
      ['one', 'Count', 1],
      ['many', 'Milliseconds', [3, 4.5, 3]],
      ['hist', 'None', { sum: 50, min: 10, max: 20, count: 4, values: [10, 20], counts: [3, 1] }],
      ['stats', 'None', { sum: 12, min: 1, max: 8, count: 4 }],
    ]);
  });

  it('fills namespace, timestamp, storage resolution (default 60), dimensions and source', () => {
    const doc = { ...aws([{ Namespace: 'Shop', Dimensions: [['Service', 'Stage']], Metrics: [{ Name: 'hi', StorageResolution: 1 }, { Name: 'std' }] }]), Service: 'cart', Stage: 'prod', hi: 1, std: 2 };
    const { data } = decode(doc);
    expect(data).toHaveLength(2);
    expect(data[0]).toMatchObject({ namespace: 'Shop', timestamp: 1_700_000_000_000, storageResolution: 1, dimensions: { Service: 'cart', Stage: 'prod' }, source });
    expect(data[1]!.storageResolution).toBe(60);
    expect(Object.keys(data[0]!.dimensions)).toEqual(['Service', 'Stage']);
  });
});

describe('emfToData: directives and dimension sets', () => {
  it('produces one datum per (directive, dimension set, metric) with directiveDimensions the union of the sets', () => {
    const doc = {
      ...aws([
        { Namespace: 'A', Dimensions: [['Service'], ['Service', 'Op'], []], Metrics: [{ Name: 'lat' }] },
        { Namespace: 'B', Dimensions: [['Region']], Metrics: [{ Name: 'lat' }, { Name: 'err' }] },
      ]),
      Service: 'cart',
      Op: 'add',
      Region: 'eu',
      lat: 5,
      err: 0,
    };
    const { data } = decode(doc);
    expect(data.map((d) => [d.namespace, d.name, d.dimensions, d.directiveDimensions])).toEqual([
      ['A', 'lat', { Service: 'cart' }, { Service: 'cart', Op: 'add' }],
      ['A', 'lat', { Service: 'cart', Op: 'add' }, { Service: 'cart', Op: 'add' }],
      ['A', 'lat', {}, { Service: 'cart', Op: 'add' }],
      ['B', 'lat', { Region: 'eu' }, { Region: 'eu' }],
      ['B', 'err', { Region: 'eu' }, { Region: 'eu' }],
    ]);
  });

  it('a directive without Dimensions (AWS OTel exporters) gives one datum without dimensions per metric', () => {
    const { data, dropped } = decode({ ...aws([{ Namespace: 'Otel', Metrics: [{ Name: 'x' }, { Name: 'y' }] }]), x: 1, y: 2, Service: 'kept-as-property' });
    expect(dropped).toEqual({});
    expect(data.map((d) => [d.name, d.dimensions, d.directiveDimensions])).toEqual([
      ['x', {}, {}],
      ['y', {}, {}],
    ]);
    expect(data[0]!.properties).toEqual({ Service: 'kept-as-property' });
  });

  it('keeps every other root member as properties (nested objects intact), minus metrics and this set\'s dimensions', () => {
    const doc = {
      ...aws([{ Namespace: 'A', Dimensions: [['Service'], ['Op']], Metrics: [{ Name: 'm' }] }, { Namespace: 'B', Dimensions: [[]], Metrics: [{ Name: 'n' }] }]),
      Service: 'cart',
      Op: 'add',
      m: 1,
      n: 2,
      requestId: 'r-1',
      order: { id: 7, lines: [{ sku: 'a' }] },
      flag: null,
    };
    const { data } = decode(doc);
    expect(data[0]!.properties).toEqual({ Op: 'add', requestId: 'r-1', order: { id: 7, lines: [{ sku: 'a' }] }, flag: null });
    expect(data[1]!.properties).toEqual({ Service: 'cart', requestId: 'r-1', order: { id: 7, lines: [{ sku: 'a' }] }, flag: null });
    expect(data[2]!.properties).toEqual({ Service: 'cart', Op: 'add', requestId: 'r-1', order: { id: 7, lines: [{ sku: 'a' }] }, flag: null });
  });
  it.each([3, 16, 17, 100])('with %s metric definitions (scanned, or looked up in a set past 16), properties are exactly the members no metric names', (m) => {
    const metrics = Array.from({ length: m }, (_, i) => ({ Name: `metric${i}` }));
    // Two directives share the definitions; an invalid definition and one naming a property-like key.
    const doc: Record<string, unknown> = {
      ...aws([{ Namespace: 'A', Dimensions: [['Service']], Metrics: metrics.slice(0, m >> 1) }, { Namespace: 'B', Dimensions: [[]], Metrics: [...metrics.slice(m >> 1), 7, { Name: 'counted' }] }]),
      Service: 'cart',
      requestId: 'r-1',
      counted: 5,
    };
    for (let i = 0; i < m; i++) doc[`metric${i}`] = i;
    doc.metricX = 'not a metric';
    const { data } = decode(doc);
    expect(data).toHaveLength(m + 1);
    expect(data[0]!.properties).toEqual({ requestId: 'r-1', metricX: 'not a metric' });
    expect(data.at(-1)!.properties).toEqual({ Service: 'cart', requestId: 'r-1', metricX: 'not a metric' });
  });
  const layouts = [
    ['in definition order (as producers write them)', (names: string[]) => names],
    ['in reverse order', (names: string[]) => [...names].reverse()],
    ['with one member out of order', (names: string[]) => [...names.slice(1), names[0]!]],
    ['with a definition named twice', (names: string[]) => names],
  ] as const;
  it.each(layouts.flatMap(([how, order]) => [2, 20].map((m) => [how, order, m] as const)))('metric members %s, %s definitions: properties are exactly the other members', (how, order, m) => {
    const names = Array.from({ length: m }, (_, i) => `m${i}`);
    const defs = names.map((Name) => ({ Name }));
    if (how.startsWith('with a definition named twice')) defs.splice(1, 0, { Name: names[0]! });
    const doc: Record<string, unknown> = { ...aws([{ Namespace: 'A', Dimensions: [['Service']], Metrics: defs.slice(0, 1) }, { Namespace: 'B', Dimensions: [['Service']], Metrics: defs.slice(1) }]) };
    doc.Service = 'cart';
    doc.before = 'b';
    for (const n of order(names)) doc[n] = 1;
    doc.after = 'a';
    const { data } = decode(doc);
    expect(data).toHaveLength(defs.length);
    for (const d of data) expect(d.properties).toEqual({ before: 'b', after: 'a' });
  });
});

describe('emfToData: the dimension-value rule (as CloudWatch does)', () => {
  it.each([
    ['an integer', 404],
    ['an empty string', ''],
    ['null', null],
    ['an object', { a: 1 }],
    ['absent', undefined],
  ])('a dimension value that is %s publishes that set\'s metrics without dimensions, with a warning per datum', (_label, bad) => {
    const doc: Record<string, unknown> = {
      ...aws([{ Namespace: 'A', Dimensions: [['Service', 'Status'], ['Service']], Metrics: [{ Name: 'm' }, { Name: 'n' }] }]),
      Service: 'cart',
      m: 1,
      n: 2,
    };
    if (bad !== undefined) doc.Status = bad;
    const { data, dropped, warnings, examples } = decode(doc);
    expect(dropped).toEqual({});
    expect(data.map((d) => [d.name, d.dimensions])).toEqual([
      ['m', {}],
      ['n', {}],
      ['m', { Service: 'cart' }],
      ['n', { Service: 'cart' }],
    ]);
    expect(warnings).toEqual({ dimension_value_invalid: 2 });
    expect(examples.dimension_value_invalid).toContain('"Status"');
    // The invalid value is not lost: it stays a property of the dimensionless data.
    if (bad !== undefined) expect(data[0]!.properties.Status).toEqual(bad);
    // The union keeps only usable values.
    expect(data[0]!.directiveDimensions).toEqual({ Service: 'cart' });
  });
});

describe('emfToData: bad input is counted, the rest of the document delivered', () => {
  it('skips a missing or non-numeric metric member with a reason and keeps the others', () => {
    const doc = {
      ...aws([{ Namespace: 'A', Dimensions: [[]], Metrics: [{ Name: 'ok' }, { Name: 'missing' }, { Name: 'str' }, { Name: 'mixed' }, { Name: 'empty' }, { Name: 'badStats' }, {}] }]),
      ok: 1,
      str: '12',
      mixed: [1, 'x'],
      empty: [],
      badStats: { Sum: 1, Min: 1, Max: 1 },
    };
    const { data, dropped, examples } = decode(doc);
    expect(data.map((d) => d.name)).toEqual(['ok']);
    expect(dropped).toEqual({ metric_value_missing: 1, metric_value_invalid: 4, metric_definition_invalid: 1 });
    expect(examples.metric_value_missing).toContain('"missing"');
    expect(examples.metric_value_missing).toContain(`eventId=${source.eventId}`);
  });

  it.each([
    ['a string', '"{\\"_aws\\":{}}"', 'document_shape_invalid'],
    ['a JSON array', '[1,2]', 'document_shape_invalid'],
    ['without _aws', '{"m":1}', 'document_shape_invalid'],
    ['with CloudWatchMetrics not an array', '{"_aws":{"Timestamp":1,"CloudWatchMetrics":{}}}', 'document_shape_invalid'],
  ])('a document that is %s is counted and yields nothing', (_label, text, reason) => {
    const { data, dropped } = decode(text);
    expect(data).toEqual([]);
    expect(dropped).toEqual({ [reason]: 1 });
  });

  it('skips an unusable directive or dimension set and keeps the usable ones', () => {
    const doc = {
      ...aws([
        { Namespace: '', Metrics: [{ Name: 'm' }] },
        { Namespace: 'A', Metrics: 'm' },
        { Namespace: 'A', Dimensions: 'Service', Metrics: [{ Name: 'm' }] },
        { Namespace: 'B', Dimensions: [['Service'], 'Service', [1]], Metrics: [{ Name: 'm' }] },
      ]),
      Service: 'cart',
      m: 1,
    };
    const { data, dropped } = decode(doc);
    expect(data.map((d) => [d.namespace, d.dimensions])).toEqual([['B', { Service: 'cart' }]]);
    expect(dropped).toEqual({ directive_invalid: 3, dimension_set_invalid: 2 });
  });

  it('falls back to the log event timestamp, unit None and resolution 60 with warnings', () => {
    const doc = { ...aws([{ Namespace: 'A', Metrics: [{ Name: 'm', Unit: 'Parsecs', StorageResolution: 5 }] }], 'yesterday'), m: 1 };
    const { data, warnings } = decode(doc, 1_234);
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ timestamp: 1_234, unit: 'None', storageResolution: 60 });
    expect(warnings).toEqual({ document_timestamp_invalid: 1, metric_unit_invalid: 1, metric_storage_resolution_invalid: 1 });
  });

  it('never throws, whatever JSON value it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue(), fc.jsonValue().map((v) => ({ _aws: { Timestamp: 1, CloudWatchMetrics: [v] }, m: v }))), (doc) => {
        const issues = { dropped: new Tally(), warnings: new Tally() };
        const data = emfToData(doc, source, 1, issues);
        expect(Array.isArray(data)).toBe(true);
      }),
      { numRuns: fuzzRuns(500) },
    );
  });
});

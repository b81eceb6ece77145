/**
 * Declared types (docs/architecture.md#declared-types): a metric definition's `Type` reaches the datum only
 * from a document of origin `cloudwatch`, on every path that builds or refills a datum.
 */
import { describe, expect, it } from 'vitest';
import { ChunkStream } from '../../../shared/consumer/ChunkStream.ts';
import { decodeKinesisRecord, decodeKinesisRecordGroups } from '../../../shared/consumer/decode.ts';
import type { MetricGroup } from '../../../shared/consumer/emfToData.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { encodeRecord, parseRecordText, serialiseDocument, type DocumentOrigin } from '../../../shared/record/format.ts';
import { DecodeError } from '../../../shared/errors.ts';
import { Tally } from '../../../shared/tally.ts';
import { kinesisEventFromRecords, recordData } from '../../helpers/kinesisEvent.ts';

const issues = () => ({ dropped: new Tally(), warnings: new Tally() });

/** A document of namespace AWS/Lambda with one dimension set (or `sets` of them) and the given definitions, each metric valued 1. */
function doc(defs: Record<string, unknown>[], sets: string[][] = [['FunctionName']]) {
  const members = Object.fromEntries(defs.map((d) => [d.Name as string, 1]));
  return {
    _aws: { Timestamp: 1_800_000_000_000, CloudWatchMetrics: [{ Namespace: 'AWS/Lambda', Dimensions: sets, Metrics: defs }] },
    FunctionName: 'orders',
    Resource: 'orders:live',
    ...members,
  };
}

const DEFS = [
  { Name: 'ConcurrentExecutions', Unit: 'Count', Type: 'gauge' },
  { Name: 'Invocations', Unit: 'Count' },
  { Name: 'Errors', Unit: 'Count', Type: 'count' },
  { Name: 'Duration', Unit: 'Milliseconds', Type: 'distribution' },
];

function decodeDocs(docs: { origin: DocumentOrigin; emf: Record<string, unknown> }[]) {
  const counted = issues();
  const { data } = decodeKinesisRecord(kinesisEventFromRecords([recordData(docs)]).Records[0]!, counted);
  return { data, counted };
}

/** Every datum of `event`'s records as the streaming path hands them: one refilled object, copied. */
function streamed(recordsData: Buffer[], max = 1000): MetricDatum[] {
  const stream = new ChunkStream(kinesisEventFromRecords(recordsData).Records, max, issues(), {});
  const out: MetricDatum[] = [];
  for (let c = stream.next(); c !== undefined; c = stream.next()) c.forEach((d) => out.push({ ...d }));
  return out;
}

describe('the record format', () => {
  it('accepts documents of origin cloudwatch, and still rejects an origin it does not know', () => {
    const ctx = { owner: '1', region: 'eu-west-1', logGroup: 'metrics-scraper', logStream: 's' };
    const text = (origin: string) => encodeRecord(ctx, [serialiseDocument({ id: 'e1', timestamp: 1, origin: origin as DocumentOrigin, emf: '{}' })], 'none').toString('utf8');
    expect(parseRecordText(text('cloudwatch')).documents[0]!.origin).toBe('cloudwatch');
    expect(() => parseRecordText(text('scraper'))).toThrow(DecodeError);
    expect(() => parseRecordText(text('scraper'))).toThrow(/"emf"\|"platform"\|"cloudwatch"/);
  });
});

describe('declared types in decoding', () => {
  it('a cloudwatch document carries each definition\'s Type to its data; a definition without one has none', () => {
    const { data, counted } = decodeDocs([{ origin: 'cloudwatch', emf: doc(DEFS) }]);
    expect(data.map((d) => [d.name, d.unit, d.type])).toEqual([
      ['ConcurrentExecutions', 'Count', 'gauge'],
      ['Invocations', 'Count', undefined],
      ['Errors', 'Count', 'count'],
      ['Duration', 'Milliseconds', 'distribution'],
    ]);
    expect(counted.warnings.counts).toEqual({});
  });

  it.each(['emf', 'platform'] as const)('a document of origin %s is never read for Type: no datum has one, nothing is counted', (origin) => {
    const { data, counted } = decodeDocs([{ origin, emf: doc([...DEFS, { Name: 'Odd', Unit: 'Count', Type: 'histogram' }]) }]);
    expect(data).toHaveLength(5);
    for (const d of data) expect(d.type).toBeUndefined();
    expect(counted.warnings.counts).toEqual({});
    // The groups of such a document hold no types array at all.
    const groups: MetricGroup[] = [];
    decodeKinesisRecordGroups(kinesisEventFromRecords([recordData([{ origin, emf: doc(DEFS) }])]).Records[0]!, issues(), {}, groups);
    expect(groups.map((g) => g.defs.types)).toEqual([undefined]);
  });

  it('an invalid Type in a cloudwatch document counts metric_type_invalid once per dimension set; the datum is delivered without a type', () => {
    const defs = [{ Name: 'A', Unit: 'Count', Type: 'histogram' }, { Name: 'B', Unit: 'Count', Type: 7 }, { Name: 'C', Unit: 'Count', Type: 'gauge' }];
    const { data, counted } = decodeDocs([{ origin: 'cloudwatch', emf: doc(defs, [['FunctionName'], ['Resource']]) }]);
    expect(data.map((d) => [d.name, d.type])).toEqual([['A', undefined], ['B', undefined], ['C', 'gauge'], ['A', undefined], ['B', undefined], ['C', 'gauge']]);
    expect(counted.warnings.counts).toEqual({ metric_type_invalid: 4 });
    expect(counted.warnings.examples.metric_type_invalid).toContain('"A"');
    expect(counted.dropped.counts).toEqual({});
  });

  it('an unusable definition before a typed one does not shift the types onto other metrics', () => {
    const defs = [{ Name: 'Missing', Unit: 'Count', Type: 'count' }, { Name: 'ConcurrentExecutions', Unit: 'Count', Type: 'gauge' }, { Name: 'Invocations', Unit: 'Count' }];
    const emf: Record<string, unknown> = doc(defs);
    delete emf.Missing;
    const { data, counted } = decodeDocs([{ origin: 'cloudwatch', emf }]);
    expect(data.map((d) => [d.name, d.type])).toEqual([['ConcurrentExecutions', 'gauge'], ['Invocations', undefined]]);
    expect(counted.dropped.counts).toEqual({ metric_value_missing: 1 });
  });

  it('a document delivered in part before keeps the types of the data after the cut', () => {
    const groups: MetricGroup[] = [];
    const gate = { skipOf: () => 2, admitted: () => undefined };
    decodeKinesisRecordGroups(kinesisEventFromRecords([recordData([{ origin: 'cloudwatch', emf: doc(DEFS) }])]).Records[0]!, issues(), {}, groups, gate);
    expect(groups.map((g) => [g.defs.names, g.defs.types])).toEqual([[['Errors', 'Duration'], ['count', 'distribution']]]);
  });

  it('the streaming path sets the type of every datum it refills: a datum after a typed one has none', () => {
    const records = [
      recordData([
        { origin: 'cloudwatch', emf: doc(DEFS) },
        { origin: 'emf', emf: doc([{ Name: 'Orders', Unit: 'Count', Type: 'gauge' }]) },
        { origin: 'cloudwatch', emf: doc([{ Name: 'Throttles', Unit: 'Count', Type: 'gauge' }]) },
      ]),
      recordData([{ origin: 'emf', emf: doc([{ Name: 'Invocations', Unit: 'Count' }]) }]),
    ];
    const expected: [string, string | undefined][] = [
      ['ConcurrentExecutions', 'gauge'], ['Invocations', undefined], ['Errors', 'count'], ['Duration', 'distribution'],
      ['Orders', undefined], ['Throttles', 'gauge'], ['Invocations', undefined],
    ];
    for (const max of [1, 3, 1000]) expect(streamed(records, max).map((d) => [d.name, d.type])).toEqual(expected);
    // The plain path agrees with the streaming one.
    const stream = new ChunkStream(kinesisEventFromRecords(records).Records, 1000, issues(), {});
    expect(stream.next()!.toArray().map((d) => [d.name, d.type])).toEqual(expected);
  });
});

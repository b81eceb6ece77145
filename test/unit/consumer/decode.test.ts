import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeKinesisRecord } from '../../../shared/consumer/decode.ts';
import { BROTLI_MAGIC, RECORD_COMPRESSIONS } from '../../../shared/record/format.ts';
import { Tally } from '../../../shared/tally.ts';
import { kinesisEventFromRecords, recordData } from '../../helpers/kinesisEvent.ts';

const emf = (name: string, value: unknown) => ({
  _aws: { Timestamp: 1_700_000_000_000, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['Service']], Metrics: [{ Name: name }] }] },
  Service: 'svc',
  [name]: value,
});

function decodeOne(data: Buffer | string) {
  const event = kinesisEventFromRecords([typeof data === 'string' ? Buffer.from(data) : data]);
  const record = event.Records[0]!;
  if (typeof data === 'string') record.kinesis.data = data; // raw (possibly invalid) base64
  const issues = { dropped: new Tally(), warnings: new Tally() };
  return { ...decodeKinesisRecord(record, issues), dropped: issues.dropped.counts, examples: issues.dropped.examples, record };
}

describe('decodeKinesisRecord', () => {
  it.each(RECORD_COMPRESSIONS)('decodes a %s record and attaches the record context to every datum', (compression) => {
    const data = recordData(
      [
        { emf: emf('a', 1), id: 'e1', origin: 'emf' },
        { emf: emf('b', [2, 3]), id: 'e2', origin: 'platform' },
      ],
      { owner: '999988887777', region: 'ap-south-1', logGroup: '/aws/lambda/pay', logStream: 's1' },
      compression,
    );
    const out = decodeOne(data);
    expect(out.decoded).toBe(true);
    expect(out.documents).toBe(2);
    expect(out.data.map((d) => [d.name, d.value, d.source])).toEqual([
      ['a', 1, { account: '999988887777', region: 'ap-south-1', logGroup: '/aws/lambda/pay', logStream: 's1', eventId: 'e1', origin: 'emf' }],
      ['b', [2, 3], { account: '999988887777', region: 'ap-south-1', logGroup: '/aws/lambda/pay', logStream: 's1', eventId: 'e2', origin: 'platform' }],
    ]);
  });

  it.each([
    ['garbage base64', '!!!not base64!!!', 'record_base64_invalid'],
    ['base64 of the wrong length', 'abc', 'record_base64_invalid'],
    ['a bad gzip stream', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from('rubbish')]), 'record_gzip_invalid'],
    ['a bad brotli stream', Buffer.concat([Buffer.from(BROTLI_MAGIC), Buffer.from('rubbish')]), 'record_brotli_invalid'],
    ['a brotli stream cut short', (() => { const b = recordData([{ emf: emf('a', 1) }], {}, 'brotli'); return b.subarray(0, b.length - 3); })(), 'record_brotli_invalid'],
    ['brotli without the marker', brotliCompressSync(Buffer.from(JSON.stringify({ v: 1, owner: 'o', region: 'r', logGroup: 'g', logStream: 's', documents: [] }))), 'record_json_invalid'],
    ['the brotli marker before plain JSON', Buffer.concat([Buffer.from(BROTLI_MAGIC), Buffer.from(JSON.stringify({ v: 1, owner: 'o', region: 'r', logGroup: 'g', logStream: 's', documents: [] }))]), 'record_brotli_invalid'],
    ['another record version', Buffer.from(JSON.stringify({ v: 2, owner: 'o', region: 'r', logGroup: 'g', logStream: 's', documents: [] })), 'record_version_unsupported'],
    ['not JSON', gzipSync(Buffer.from('{"v":1,')), 'record_json_invalid'],
    ['a JSON record with a malformed document', Buffer.from(JSON.stringify({ v: 1, owner: 'o', region: 'r', logGroup: 'g', logStream: 's', documents: [{ id: 1 }] })), 'record_shape_invalid'],
  ])('counts a record with %s under its reason (naming the sequence number) and yields nothing', (_label, data, reason) => {
    const out = decodeOne(data);
    expect(out.decoded).toBe(false);
    expect(out.data).toEqual([]);
    expect(out.dropped).toEqual({ [reason]: 1 });
    expect(out.examples[reason]).toContain(out.record.kinesis.sequenceNumber);
  });

  it('a bad document inside a good record is counted alone; its neighbours are delivered', () => {
    const out = decodeOne(recordData([{ emf: emf('a', 1) }, { emf: '{"_aws":{"Timestamp":1}}' }, { emf: emf('c', 3) }]));
    expect(out.decoded).toBe(true);
    expect(out.documents).toBe(3);
    expect(out.data.map((d) => d.name)).toEqual(['a', 'c']);
    expect(out.dropped).toEqual({ document_shape_invalid: 1 });
  });

  it.each(RECORD_COMPRESSIONS)('rejects a %s record that is or inflates past maxBytes, and decodes it under a larger cap', (compression) => {
    const data = recordData([{ emf: { ...emf('a', 1), padding: 'x'.repeat(10_000) } }], {}, compression);
    const event = kinesisEventFromRecords([data]);
    const issues = { dropped: new Tally(), warnings: new Tally() };
    const out = decodeKinesisRecord(event.Records[0]!, issues, { maxBytes: 1_000 });
    expect(out.decoded).toBe(false);
    expect(issues.dropped.counts).toEqual({ record_too_large: 1 });
    expect(decodeKinesisRecord(event.Records[0]!, issues, { maxBytes: 20_000 }).decoded).toBe(true);
  });

  it('a brotli bomb (32 MiB of one byte in 51 bytes) is refused at the cap, not inflated', () => {
    const bomb = Buffer.concat([Buffer.from(BROTLI_MAGIC), brotliCompressSync(Buffer.alloc(32 << 20, 0x20), { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })]);
    expect(bomb.length).toBeLessThan(100);
    const issues = { dropped: new Tally(), warnings: new Tally() };
    const out = decodeKinesisRecord(kinesisEventFromRecords([bomb]).Records[0]!, issues, { maxBytes: 1 << 20 });
    expect(out.decoded).toBe(false);
    expect(issues.dropped.counts).toEqual({ record_too_large: 1 });
  });
});

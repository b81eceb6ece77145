/**
 * The readers of `npm run replay`'s inputs: command-line times and log-group patterns, the S3 keys and
 * invocation records Lambda writes for the forwarder, and the on-failure records an event source mapping sends.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { logGroupMatches, parseReplayArgs, parseTime, UsageError } from '../../../infra/replay/args.ts';
import { parseBatchRecord } from '../../../infra/replay/ConsumerSource.ts';
import { keyTime, parseAsyncRecord } from '../../../infra/replay/ForwarderSource.ts';
import { asyncInvocationRecord, asyncRecordKey, kinesisFailureRecord } from '../../helpers/parkedRecords.ts';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const STREAM = 'arn:aws:kinesis:eu-west-1:123456789012:stream/emf-fanout-prod';

describe('times and log groups', () => {
  it.each([
    ['30m', NOW - 30 * 60_000],
    ['6h', NOW - 6 * 3_600_000],
    ['2d', NOW - 2 * 86_400_000],
    ['2026-12-01', Date.UTC(2026, 11, 1)],
    ['2026-12-01T10:00', Date.UTC(2026, 11, 1, 10)],
    ['2026-12-01T10:00Z', Date.UTC(2026, 11, 1, 10)],
    ['2026-12-01T10:00:30+01:00', Date.UTC(2026, 11, 1, 9, 0, 30)],
  ])('--since %s', (v, expected) => {
    expect(parseTime('since', v, NOW).getTime()).toBe(expected);
  });

  it.each(['yesterday', '6 hours', '2026-13-01', '12/01/2026', '', '-1h'])('refuses "%s" with a UsageError naming the flag', (v) => {
    expect(() => parseTime('until', v, NOW)).toThrow(UsageError);
    expect(() => parseTime('until', v, NOW)).toThrow(/--until/);
  });

  it('reads every flag, with subscribe\'s defaults', () => {
    expect(parseReplayArgs([], NOW)).toEqual({
      stage: 'dev', apply: false, dryRun: false, dropExpired: false, forwarder: false, consumers: [], logGroups: [], visibilityTimeout: 900, help: false,
    });
    const a = parseReplayArgs(['--stage', 'prod', '--apply', '--drop-expired', '--consumer', 'statsd', '--consumer', 'prometheus', '--forwarder', '--since', '1h', '--until', '30m', '--log-group', '/a*', '--visibility-timeout', '60'], NOW);
    expect(a).toMatchObject({ stage: 'prod', apply: true, dropExpired: true, forwarder: true, consumers: ['statsd', 'prometheus'], logGroups: ['/a*'], visibilityTimeout: 60 });
    expect(a.since?.getTime()).toBe(NOW - 3_600_000);
    expect(() => parseReplayArgs(['--since', '1h', '--until', '2h'], NOW)).toThrow(/--since must be before --until/);
    expect(() => parseReplayArgs(['--log-group', '*'], NOW)).toThrow(/--log-group/);
    expect(() => parseReplayArgs(['extra'], NOW)).toThrow(UsageError);
  });

  it('--log-group: an exact name, or a prefix with a trailing *; none selects everything', () => {
    expect(logGroupMatches('/aws/lambda/orders', ['/aws/lambda/orders'])).toBe(true);
    expect(logGroupMatches('/aws/lambda/orders-api', ['/aws/lambda/orders'])).toBe(false);
    expect(logGroupMatches('/aws/lambda/orders-api', ['/aws/lambda/orders*'])).toBe(true);
    expect(logGroupMatches('/aws/lambda/payments', ['/x', '/aws/lambda/p*'])).toBe(true);
    expect(logGroupMatches('anything', [])).toBe(true);
  });
});

describe('the forwarder\'s invocation records (S3)', () => {
  const event = { awslogs: { data: gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '1', logGroup: '/aws/lambda/orders', logStream: 's', subscriptionFilters: [], logEvents: [{ id: '1', timestamp: 1, message: 'x' }, { id: '2', timestamp: 2, message: 'y' }] })).toString('base64') } };

  it('reads the time in the key Lambda writes, in UTC', () => {
    const t = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(keyTime(asyncRecordKey('emf-fanout-prod-forwarder', t))).toEqual(t);
    expect(keyTime('aws/lambda/async/f/2026/01/02/not-a-time')).toBeUndefined();
  });

  it('reads the event, its log group and size, and the condition and error Lambda recorded', () => {
    const p = parseAsyncRecord(asyncInvocationRecord('arn:aws:lambda:eu-west-1:1:function:f', event, Object.assign(new Error('boom'), { name: 'KinesisWriteError' }), new Date()));
    expect(p).toEqual({ payload: event, events: 2, logGroup: '/aws/lambda/orders', detail: 'RetriesExhausted; KinesisWriteError: "boom"' });
  });

  it.each([
    ['not json', 'record_json_invalid'],
    ['{"version":"1.0"}', 'record_shape_invalid'],
    ['[1,2]', 'record_shape_invalid'],
    ['{"requestPayload":{"awslogs":{"data":"!!"}}}', 'payload_base64_invalid'],
    [`{"requestPayload":{"awslogs":{"data":"${Buffer.from('plain').toString('base64')}"}}}`, 'payload_gzip_invalid'],
    ['{"requestPayload":{"other":1}}', 'event_shape_invalid'],
  ])('%s → a counted reason, never a throw', (text, reason) => {
    expect(parseAsyncRecord(text).problem?.reason).toBe(reason);
  });

  it('bounds what it quotes of an error message', () => {
    const p = parseAsyncRecord(JSON.stringify({ requestContext: { condition: 'x'.repeat(1_000) }, requestPayload: event, responsePayload: { errorType: 'E', errorMessage: 'm'.repeat(100_000) } }));
    expect(p.detail.length).toBeLessThan(200);
  });
});

describe('an event source mapping\'s on-failure records (SQS)', () => {
  const records = [{ SequenceNumber: '49590338271490256608559692538361571095921575989136588898', ApproximateArrivalTimestamp: new Date(NOW) }, { SequenceNumber: '49590338271490256608559692540925702759324208523137515618', ApproximateArrivalTimestamp: new Date(NOW + 1) }];

  it('reads the batch: shard, sequence-number range, size, stream, and the time', () => {
    const p = parseBatchRecord(kinesisFailureRecord('arn:aws:lambda:eu-west-1:1:function:c', { shardId: 'shardId-000000000006', streamArn: STREAM, records }, new Date(NOW), 'RecordAgeExceeded'));
    expect(p.info).toEqual({
      shardId: 'shardId-000000000006', startSequenceNumber: records[0]!.SequenceNumber, endSequenceNumber: records[1]!.SequenceNumber, batchSize: 2, streamArn: STREAM, streamName: 'emf-fanout-prod',
    });
    expect(p.time).toEqual(new Date(NOW));
    expect(p.detail).toBe('RecordAgeExceeded; function error Unhandled');
    expect(p.problem).toBeUndefined();
  });

  it('reads the example record of the Lambda developer guide (kinesis-on-failure-destination.html)', () => {
    const example = {
      requestContext: { requestId: 'c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5', functionArn: 'arn:aws:lambda:us-east-2:123456789012:function:myfunction', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2019-11-14T00:38:06.021Z',
      KinesisBatchInfo: {
        shardId: 'shardId-000000000001', startSequenceNumber: '49601189658422359378836298521827638475320189012309704722',
        endSequenceNumber: '49601189658422359378836298522902373528957594348623495186', approximateArrivalOfFirstRecord: '2019-11-14T00:38:04.835Z',
        approximateArrivalOfLastRecord: '2019-11-14T00:38:05.580Z', batchSize: 500, streamArn: 'arn:aws:kinesis:us-east-2:123456789012:stream/mystream',
      },
    };
    const p = parseBatchRecord(JSON.stringify(example));
    expect(p.info).toMatchObject({ shardId: 'shardId-000000000001', batchSize: 500, streamName: 'mystream' });
    expect(p.time).toEqual(new Date('2019-11-14T00:38:06.021Z'));
    expect(parseBatchRecord(JSON.stringify({ ...example, responseContext: { statusCode: 200, executedVersion: '1', functionError: null } })).detail).toBe('RetryAttemptsExhausted');
  });

  it.each([
    ['not json'],
    ['{}'],
    [JSON.stringify({ KinesisBatchInfo: { shardId: 's', startSequenceNumber: '1e5', endSequenceNumber: '2', batchSize: 1, streamArn: STREAM } })],
    [JSON.stringify({ KinesisBatchInfo: { shardId: 's', startSequenceNumber: '1', endSequenceNumber: '2', batchSize: 0, streamArn: STREAM } })],
    [JSON.stringify({ KinesisBatchInfo: { shardId: 's', startSequenceNumber: '1', endSequenceNumber: '2', batchSize: 1, streamArn: 'arn:aws:sqs:eu-west-1:1:q' } })],
  ])('%s → message_invalid, kept and reported', (body) => {
    expect(parseBatchRecord(body).problem?.reason).toBe('message_invalid');
  });
});

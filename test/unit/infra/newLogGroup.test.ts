import { CloudWatchLogsClient, ThrottlingException } from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadNewLogGroupConfig } from '../../../functions/new-log-group/config.ts';
import { type CreateLogGroupEvent, handleCreateLogGroup, OUTCOMES } from '../../../functions/new-log-group/subscribeNew.ts';
import { createLogsApi } from '../../../shared/subscriptions/logsApi.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { ACCOUNT, FakeLogs, REGION } from './fakeLogs.ts';

const FORWARDER = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:emf-fanout-dev-forwarder`;
const ENV = {
  DESTINATION_ARN: FORWARDER,
  FILTER_NAME: 'emf-fanout-dev',
  FILTER_PATTERN: '?"_aws"',
  PIPELINE_LOG_GROUP_PREFIX: '/aws/lambda/emf-fanout-',
  SUBSCRIBE_PREFIXES: '/aws/lambda/shop-',
  SUBSCRIBE_NAMES: '/ecs/payments',
  SUBSCRIBE_PATTERNS: '["^/batch/(nightly|hourly)-"]',
  EXCLUDE_LOG_GROUPS: '/aws/lambda/shop-debug*',
};

/** An EventBridge "AWS API Call via CloudTrail" event as CloudTrail records CreateLogGroup. */
function created(name: string, extra: Partial<NonNullable<CreateLogGroupEvent['detail']>> = {}): CreateLogGroupEvent {
  return {
    account: ACCOUNT,
    region: REGION,
    detail: { eventSource: 'logs.amazonaws.com', eventName: 'CreateLogGroup', requestParameters: { logGroupName: name }, ...extra },
  };
}

let fake: FakeLogs;
let logger: ReturnType<typeof createMemoryLogger>;
const client = () => new CloudWatchLogsClient({ region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const deps = (env: Record<string, string> = ENV) => ({
  api: createLogsApi(client(), { retries: 4, minTimeoutMs: 1, maxTimeoutMs: 2 }),
  config: loadNewLogGroupConfig(env),
  logger,
});

beforeEach(() => {
  fake = new FakeLogs();
  logger = createMemoryLogger();
});
afterEach(() => fake.restore());

describe('new-log-group function', () => {
  it('subscribes a new log group the rules select, with our filter name, pattern and forwarder', async () => {
    fake.addGroup('/aws/lambda/shop-cart');
    expect(await handleCreateLogGroup(created('/aws/lambda/shop-cart'), deps())).toBe(OUTCOMES.subscribed);
    expect(fake.filtersOf('/aws/lambda/shop-cart')).toEqual([{ filterName: 'emf-fanout-dev', destinationArn: FORWARDER, filterPattern: '?"_aws"' }]);
    fake.addGroup('/batch/nightly-report');
    expect(await handleCreateLogGroup(created('/batch/nightly-report'), deps())).toBe(OUTCOMES.subscribed);
    expect(logger.entries.at(-1)).toMatchObject({ level: 'info', fields: { reason: 'subscribed', logGroup: '/batch/nightly-report' } });
  });

  it('never subscribes the pipeline, excluded or unselected log groups', async () => {
    fake.addGroup('/aws/lambda/emf-fanout-dev-forwarder').addGroup('/aws/lambda/emf-fanout-prod-statsd').addGroup('/aws/lambda/shop-debug-1').addGroup('/aws/lambda/other');
    // Even a selection that covers every Lambda log group never picks the pipeline's own (any stage).
    const everyLambda = { ...ENV, SUBSCRIBE_PREFIXES: '/aws/lambda/' };
    expect(await handleCreateLogGroup(created('/aws/lambda/emf-fanout-dev-forwarder'), deps(everyLambda))).toBe(OUTCOMES.pipeline);
    expect(await handleCreateLogGroup(created('/aws/lambda/emf-fanout-prod-statsd'), deps(everyLambda))).toBe(OUTCOMES.pipeline);
    expect(await handleCreateLogGroup(created('/aws/lambda/shop-debug-1'), deps())).toBe(OUTCOMES.excluded);
    expect(await handleCreateLogGroup(created('/aws/lambda/other'), deps())).toBe(OUTCOMES.notSelected);
    expect(fake.calls.PutSubscriptionFilter ?? 0).toBe(0);
  });

  it('is idempotent: a redelivered event changes nothing', async () => {
    fake.addGroup('/ecs/payments');
    await handleCreateLogGroup(created('/ecs/payments'), deps());
    expect(await handleCreateLogGroup(created('/ecs/payments'), deps())).toBe(OUTCOMES.alreadySubscribed);
    expect(fake.calls.PutSubscriptionFilter).toBe(1);
  });

  it('does not replace another tool\'s filter when the log group is full, and logs the filters in the way', async () => {
    const f = (n: string) => ({ filterName: n, destinationArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${n}`, filterPattern: '' });
    fake.addGroup('/aws/lambda/shop-full', { filters: [f('a'), f('b')] });
    expect(await handleCreateLogGroup(created('/aws/lambda/shop-full'), deps())).toBe(OUTCOMES.blocked);
    expect(fake.filtersOf('/aws/lambda/shop-full').map((x) => x.filterName)).toEqual(['a', 'b']);
    expect(logger.entries.at(-1)).toMatchObject({ level: 'warn', fields: { reason: 'blocked_by_filter_limit', blockingFilters: ['a', 'b'] } });
  });

  it('uses tags from the CreateLogGroup request, or asks for them', async () => {
    const env = { ...ENV, SUBSCRIBE_TAGS: '{"team":"shop"}' };
    fake.addGroup('/aws/lambda/shop-a', { tags: { team: 'shop' } }).addGroup('/aws/lambda/shop-b', { tags: { team: 'billing' } });
    expect(await handleCreateLogGroup(created('/aws/lambda/shop-a'), deps(env))).toBe(OUTCOMES.subscribed);
    expect(fake.calls.ListTagsForResource).toBe(1);
    expect(await handleCreateLogGroup(created('/aws/lambda/shop-b'), deps(env))).toBe(OUTCOMES.tagsMismatch);
    const withTags = created('/aws/lambda/shop-b', { requestParameters: { logGroupName: '/aws/lambda/shop-b', tags: { team: 'shop' } } });
    expect(await handleCreateLogGroup(withTags, deps(env))).toBe(OUTCOMES.subscribed);
    expect(fake.calls.ListTagsForResource).toBe(2);
  });

  it('logs and skips unreadable or failed-call events instead of retrying them', async () => {
    expect(await handleCreateLogGroup({ detail: { eventName: 'DeleteLogGroup' } }, deps())).toBe(OUTCOMES.invalid);
    expect(await handleCreateLogGroup({} as CreateLogGroupEvent, deps())).toBe(OUTCOMES.invalid);
    expect(logger.entries.at(-1)).toMatchObject({ level: 'error', fields: { reason: 'event_invalid' } });
    expect(await handleCreateLogGroup(created('/aws/lambda/shop-x', { errorCode: 'ResourceAlreadyExistsException' }), deps())).toBe(OUTCOMES.callFailed);
    expect(await handleCreateLogGroup(created('/aws/lambda/shop-gone'), deps())).toBe(OUTCOMES.vanished);
  });

  it('retries throttling, and throws other AWS errors so Lambda retries the event', async () => {
    fake.addGroup('/aws/lambda/shop-t');
    fake.fail('PutSubscriptionFilter', () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }), 2);
    expect(await handleCreateLogGroup(created('/aws/lambda/shop-t'), deps())).toBe(OUTCOMES.subscribed);
    fake.addGroup('/aws/lambda/shop-u');
    fake.fail('DescribeSubscriptionFilters', () => Object.assign(new Error('boom'), { name: 'InternalServerException' }));
    await expect(handleCreateLogGroup(created('/aws/lambda/shop-u'), deps())).rejects.toThrow('boom');
  });
});

describe('new-log-group configuration', () => {
  it('fails at cold start naming the variable', () => {
    const { DESTINATION_ARN: _, ...noDest } = ENV;
    expect(() => loadNewLogGroupConfig(noDest)).toThrow('Environment variable DESTINATION_ARN is required');
    expect(() => loadNewLogGroupConfig({ ...ENV, DESTINATION_ARN: 'arn:aws:sqs:x' })).toThrow(/DESTINATION_ARN must be a Lambda function ARN/);
    expect(() => loadNewLogGroupConfig({ ...ENV, SUBSCRIBE_PATTERNS: '^/a' })).toThrow(/SUBSCRIBE_PATTERNS must be JSON/);
    expect(() => loadNewLogGroupConfig({ ...ENV, SUBSCRIBE_PATTERNS: '["(x"]' })).toThrow(/SUBSCRIBE_PATTERNS .*not a valid regular expression/);
    expect(() => loadNewLogGroupConfig({ ...ENV, SUBSCRIBE_TAGS: '["a"]' })).toThrow(/SUBSCRIBE_TAGS must be a JSON object/);
  });

  it('keeps an empty filter pattern (every event)', () => {
    expect(loadNewLogGroupConfig({ ...ENV, FILTER_PATTERN: '' }).target.filterPattern).toBe('');
  });
});

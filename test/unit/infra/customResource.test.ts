/**
 * The deploy-time subscription resource (`Custom::EmfFanoutSubscriptions`) against the
 * in-memory CloudWatch Logs account, answering to a real HTTP server on 127.0.0.1 that stands
 * in for CloudFormation's pre-signed S3 URL.
 */
import { CloudWatchLogsClient, DeleteSubscriptionFilterCommand, ThrottlingException } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handleCustomResource } from '../../../functions/new-log-group/customResource.ts';
import { createLogsApi } from '../../../shared/subscriptions/logsApi.ts';
import { fakeLambdaContext } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { type HttpReceiver, startHttpReceiver } from '../../helpers/httpReceiver.ts';
import { cfnRequest, FORWARDER, OUR_FILTER, otherFilter, props, STACK_ID } from './customResourceKit.ts';
import { FakeLogs, REGION } from './fakeLogs.ts';

const ours = { filterName: OUR_FILTER, destinationArn: FORWARDER, filterPattern: '?"_aws"' };
let fake: FakeLogs;
let receiver: HttpReceiver;
let logger: ReturnType<typeof createMemoryLogger>;
let url: string;

const client = () => new CloudWatchLogsClient({ region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const deps = (extra: object = {}) => ({
  api: createLogsApi(client(), { retries: 4, minTimeoutMs: 1, maxTimeoutMs: 2 }),
  logger,
  concurrency: 2,
  accessDeniedRetryMs: [1, 1],
  ...extra,
});
/** Runs a request and returns what the server received, parsed. */
async function answer(event: ReturnType<typeof cfnRequest>, extra: object = {}) {
  const before = receiver.requests.length;
  await handleCustomResource(event, fakeLambdaContext({ remainingMs: 60_000 }), deps(extra));
  expect(receiver.requests.length).toBe(before + 1);
  const req = receiver.requests.at(-1)!;
  return { req, body: JSON.parse(req.body) as Record<string, any> };
}
const names = (group: string) => fake.filtersOf(group).map((f) => f.filterName);

beforeAll(async () => {
  receiver = await startHttpReceiver();
  // Shaped like a pre-signed S3 URL: the query string must reach the server untouched.
  url = `${receiver.url}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc123`;
});
afterAll(() => receiver.close());
beforeEach(() => {
  fake = new FakeLogs();
  logger = createMemoryLogger();
  receiver.clear();
});
afterEach(() => fake.restore());

describe('Create', () => {
  it('subscribes the log groups the prefixes pick, never the pipeline or excluded ones, and PUTs the answer', async () => {
    for (const g of ['/aws/lambda/shop-cart', '/aws/lambda/orders-api', '/aws/lambda/emf-fanout-dev-forwarder', '/aws/lambda/emf-fanout-prod-statsd', '/aws/lambda/debug-1', '/ecs/payments']) fake.addGroup(g);
    const event = cfnRequest('Create', url, props({ Prefixes: ['/aws/lambda/'], Exclude: ['/aws/lambda/debug-*'] }));
    const { req, body } = await answer(event);

    expect(fake.filtersOf('/aws/lambda/shop-cart')).toEqual([ours]);
    expect(fake.filtersOf('/aws/lambda/orders-api')).toEqual([ours]);
    for (const g of ['/aws/lambda/emf-fanout-dev-forwarder', '/aws/lambda/emf-fanout-prod-statsd', '/aws/lambda/debug-1', '/ecs/payments']) expect(fake.filtersOf(g)).toEqual([]);

    expect(req.method).toBe('PUT');
    expect(req.url).toBe('/ingest?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc123');
    // An empty content type, as AWS's cfn-response sends: nothing the URL was not signed with.
    expect(req.headers['content-type']).toBe('');
    expect(Object.keys(body).sort()).toEqual(['Data', 'LogicalResourceId', 'PhysicalResourceId', 'Reason', 'RequestId', 'StackId', 'Status']);
    expect(body).toMatchObject({
      Status: 'SUCCESS',
      StackId: STACK_ID,
      RequestId: event.RequestId,
      LogicalResourceId: 'LogGroupSubscriptions',
      PhysicalResourceId: 'emf-fanout-dev-LogGroupSubscriptions',
      Data: { Subscribed: '2', Updated: '0', Unsubscribed: '0', AlreadySubscribed: '0', Blocked: '0', Excluded: '3', Scanned: '5' },
    });
    expect(body.Reason).toContain('2 subscribed');
  });

  it('leaves log groups of subscribeLogGroupNames to their stack filter, and is idempotent', async () => {
    fake.addGroup('/aws/lambda/shop-cart').addGroup('/aws/lambda/shop-legacy');
    const p = props({ StackManagedNames: ['/aws/lambda/shop-legacy'] });
    await answer(cfnRequest('Create', url, p));
    expect(names('/aws/lambda/shop-legacy')).toEqual([]);
    const puts = fake.calls.PutSubscriptionFilter;
    const { body } = await answer(cfnRequest('Create', url, p));
    expect(fake.calls.PutSubscriptionFilter).toBe(puts);
    expect(body.Data).toMatchObject({ Subscribed: '0', AlreadySubscribed: '1' });
    expect(body.Reason).toContain('1 left to their stack filter');
  });

  it("never replaces another tool's filter: a full log group is reported as blocked, and the deployment succeeds", async () => {
    fake.addGroup('/aws/lambda/shop-full', { filters: [otherFilter('datadog'), otherFilter('to-s3')] }).addGroup('/aws/lambda/shop-ok');
    const { body } = await answer(cfnRequest('Create', url, props()));
    expect(fake.filtersOf('/aws/lambda/shop-full')).toEqual([otherFilter('datadog'), otherFilter('to-s3')]);
    expect(names('/aws/lambda/shop-ok')).toEqual([OUR_FILTER]);
    expect(body.Status).toBe('SUCCESS');
    expect(body.Data).toMatchObject({ Subscribed: '1', Blocked: '1', BlockedLogGroups: '/aws/lambda/shop-full' });
    expect(body.Reason).toMatch(/1 blocked \(every filter slot taken by other tools, left as is: \/aws\/lambda\/shop-full/);
    expect(logger.entries.find((e) => e.fields.reason === 'blocked_by_filter_limit')).toMatchObject({
      level: 'warn',
      fields: { logGroup: '/aws/lambda/shop-full', blockingFilters: ['datadog', 'to-s3'] },
    });
  });

  it('selects by pattern and tag too', async () => {
    fake.addGroup('/batch/nightly-a', { tags: { team: 'shop' } }).addGroup('/batch/nightly-b', { tags: { team: 'billing' } }).addGroup('/batch/weekly', { tags: { team: 'shop' } });
    await answer(cfnRequest('Create', url, props({ Prefixes: [], Patterns: ['^/batch/nightly-'], RequiredTags: { team: 'shop' } })));
    expect(names('/batch/nightly-a')).toEqual([OUR_FILTER]);
    expect(names('/batch/nightly-b')).toEqual([]);
    expect(names('/batch/weekly')).toEqual([]);
  });
});

describe('Update', () => {
  it('subscribes what the new selection adds and removes only our filter from what it drops; a rollback undoes it', async () => {
    fake
      .addGroup('/aws/lambda/shop-cart')
      .addGroup('/aws/lambda/shop-pay', { filters: [otherFilter('datadog')] })
      .addGroup('/aws/lambda/shop-legacy')
      .addGroup('/aws/lambda/orders-api');
    const before = props({ StackManagedNames: ['/aws/lambda/shop-legacy'] });
    await answer(cfnRequest('Create', url, before));
    // The stack's own filter on a stack-managed log group (an AWS::Logs::SubscriptionFilter resource).
    fake.groups.get('/aws/lambda/shop-legacy')!.filters.push(ours);
    expect(names('/aws/lambda/shop-pay')).toEqual(['datadog', OUR_FILTER]);

    const after = props({ Prefixes: ['/aws/lambda/orders-', '/aws/lambda/shop-cart'], StackManagedNames: ['/aws/lambda/shop-legacy'] });
    const { body } = await answer(cfnRequest('Update', url, after, { old: before }));
    expect(body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'emf-fanout-dev-LogGroupSubscriptions', Data: { Subscribed: '1', Unsubscribed: '1' } });
    expect(names('/aws/lambda/orders-api')).toEqual([OUR_FILTER]);
    expect(names('/aws/lambda/shop-cart')).toEqual([OUR_FILTER]);
    expect(names('/aws/lambda/shop-pay')).toEqual(['datadog']);
    expect(names('/aws/lambda/shop-legacy')).toEqual([OUR_FILTER]);

    // CloudFormation rolls an Update back with the same request, the two selections swapped.
    await answer(cfnRequest('Update', url, before, { old: after }));
    expect(names('/aws/lambda/orders-api')).toEqual([]);
    expect(names('/aws/lambda/shop-pay')).toEqual(['datadog', OUR_FILTER]);
    expect(names('/aws/lambda/shop-cart')).toEqual([OUR_FILTER]);
  });

  it('updates our filter in place when only the filter pattern changes, without listing twice', async () => {
    fake.addGroup('/aws/lambda/shop-cart');
    await answer(cfnRequest('Create', url, props()));
    const listings = fake.calls.DescribeLogGroups ?? 0;
    const { body } = await answer(cfnRequest('Update', url, props({ FilterPattern: '' }), { old: props() }));
    expect(body.Data).toMatchObject({ Updated: '1', Unsubscribed: '0' });
    expect(fake.filtersOf('/aws/lambda/shop-cart')).toEqual([{ ...ours, filterPattern: '' }]);
    expect(fake.calls.DescribeLogGroups).toBe(listings + 1);
  });

  it('newly excluded log groups lose our filter', async () => {
    fake.addGroup('/aws/lambda/shop-cart').addGroup('/aws/lambda/shop-debug');
    await answer(cfnRequest('Create', url, props()));
    await answer(cfnRequest('Update', url, props({ Exclude: ['/aws/lambda/shop-debug'] }), { old: props() }));
    expect(names('/aws/lambda/shop-debug')).toEqual([]);
    expect(names('/aws/lambda/shop-cart')).toEqual([OUR_FILTER]);
  });
});

describe('Delete', () => {
  it("removes only emf-fanout's filter, only from the log groups the selection picks", async () => {
    fake
      .addGroup('/aws/lambda/shop-cart', { filters: [otherFilter('datadog'), ours] })
      .addGroup('/aws/lambda/shop-other', { filters: [otherFilter('to-s3')] })
      .addGroup('/aws/lambda/shop-legacy', { filters: [ours] })
      // Subscribed by hand (npm run subscribe -- --name …): not this resource's.
      .addGroup('/ecs/payments', { filters: [ours] });
    const { body } = await answer(cfnRequest('Delete', url, props({ StackManagedNames: ['/aws/lambda/shop-legacy'] })));
    expect(body).toMatchObject({ Status: 'SUCCESS', Data: { Unsubscribed: '1' } });
    expect(names('/aws/lambda/shop-cart')).toEqual(['datadog']);
    expect(names('/aws/lambda/shop-other')).toEqual(['to-s3']);
    expect(names('/aws/lambda/shop-legacy')).toEqual([OUR_FILTER]);
    expect(names('/ecs/payments')).toEqual([OUR_FILTER]);
    expect(fake.mock.commandCalls(DeleteSubscriptionFilterCommand).map((c) => c.args[0].input)).toEqual([
      { logGroupName: '/aws/lambda/shop-cart', filterName: OUR_FILTER },
    ]);
  });
});

describe('failures', () => {
  it('retries throttling and succeeds', async () => {
    fake.addGroup('/aws/lambda/shop-cart');
    const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    fake.fail('DescribeLogGroups', throttled, 2).fail('DescribeSubscriptionFilters', throttled, 1).fail('PutSubscriptionFilter', throttled, 3);
    const { body } = await answer(cfnRequest('Create', url, props()));
    expect(body.Status).toBe('SUCCESS');
    expect(names('/aws/lambda/shop-cart')).toEqual([OUR_FILTER]);
    expect(fake.calls.PutSubscriptionFilter).toBe(4);
  });

  it('answers FAILED with the call, the log group, a hint and what CloudFormation does next', async () => {
    fake.addGroup('/aws/lambda/shop-cart');
    const refused = Object.assign(new Error('Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.'), {
      name: 'InvalidParameterException',
    });
    fake.fail('PutSubscriptionFilter', () => refused);
    const { body } = await answer(cfnRequest('Create', url, props()));
    expect(body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'emf-fanout-dev-LogGroupSubscriptions', StackId: STACK_ID, LogicalResourceId: 'LogGroupSubscriptions' });
    expect(body.Reason).toContain('PutSubscriptionFilter failed on /aws/lambda/shop-cart: InvalidParameterException: Could not execute the lambda function');
    expect(body.Reason).toContain('logsPermissionLogGroupPattern');
    expect(body.Reason).toContain('CloudFormation rolls back, which removes the filters this deployment added');
  });

  it('answers FAILED when a listing fails for good', async () => {
    fake.addGroup('/aws/lambda/shop-cart');
    fake.fail('DescribeLogGroups', () => Object.assign(new Error('internal failure'), { name: 'ServiceUnavailableException' }), 10);
    const { body } = await answer(cfnRequest('Delete', url, props()));
    expect(body.Status).toBe('FAILED');
    expect(body.Reason).toMatch(/^ServiceUnavailableException: internal failure\. Still throttled after retries.*Fix the cause and delete again/);
  });

  it('runs the request again after AccessDenied (a role policy just changed), then fails with a hint if it persists', async () => {
    fake.addGroup('/aws/lambda/shop-cart');
    const denied = () => Object.assign(new Error('not authorized to perform: logs:PutSubscriptionFilter'), { name: 'AccessDeniedException' });
    fake.fail('PutSubscriptionFilter', denied, 1);
    expect((await answer(cfnRequest('Create', url, props()))).body.Status).toBe('SUCCESS');
    expect(names('/aws/lambda/shop-cart')).toEqual([OUR_FILTER]);

    fake.addGroup('/aws/lambda/shop-pay');
    fake.fail('PutSubscriptionFilter', denied, 3);
    const { body } = await answer(cfnRequest('Create', url, props()));
    expect(body.Status).toBe('FAILED');
    expect(body.Reason).toContain("role lacks a CloudWatch Logs permission");
    expect(fake.calls.PutSubscriptionFilter).toBe(2 + 3);
  });

  it('answers FAILED naming an invalid property, but lets a Delete with invalid properties succeed without touching anything', async () => {
    fake.addGroup('/aws/lambda/shop-cart', { filters: [ours] });
    const bad = props({ Patterns: ['(unclosed'] });
    const created = await answer(cfnRequest('Create', url, bad));
    expect(created.body.Status).toBe('FAILED');
    expect(created.body.Reason).toMatch(/^invalid property: ResourceProperties\.Patterns .*"\(unclosed" is not a valid regular expression/);
    const noArn = await answer(cfnRequest('Create', url, { ...props(), DestinationArn: 'arn:aws:sqs:eu-west-1:123456789012:q' }));
    expect(noArn.body.Reason).toContain('ResourceProperties.DestinationArn must be a Lambda function ARN');
    const deleted = await answer(cfnRequest('Delete', url, bad));
    expect(deleted.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'emf-fanout-dev-LogGroupSubscriptions' });
    expect(names('/aws/lambda/shop-cart')).toEqual([OUR_FILTER]);
    expect(fake.calls.DeleteSubscriptionFilter ?? 0).toBe(0);
  });

  it('answers FAILED before the Lambda deadline, and starts no change after answering', async () => {
    for (const g of ['/aws/lambda/shop-a', '/aws/lambda/shop-b', '/aws/lambda/shop-c']) fake.addGroup(g);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const api = createLogsApi(client(), { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1 });
    // The first PutSubscriptionFilter hangs (a stuck call) until the test lets it go.
    const stuck = { ...api, putFilter: async (...a: Parameters<typeof api.putFilter>) => (await gate, api.putFilter(...a)) };
    const event = cfnRequest('Create', url, props());
    const response = await handleCustomResource(event, fakeLambdaContext({ remainingMs: 400 }), { ...deps(), api: stuck, concurrency: 1, deadlineMarginMs: 300 });
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/^stopped before the function's time limit .*0 change\(s\) made, 3 log group\(s\) listed/);
    expect(JSON.parse(receiver.requests.at(-1)!.body)).toMatchObject({ Status: 'FAILED', RequestId: event.RequestId });
    release();
    await vi.waitFor(() => expect(fake.calls.PutSubscriptionFilter).toBe(1));
    await new Promise((r) => setTimeout(r, 100));
    // The call in flight completes; the two after it are cut off by the guard.
    expect(fake.calls.PutSubscriptionFilter).toBe(1);
  });
});

/**
 * The answer to CloudFormation (PUT to the pre-signed URL, here a real HTTP server on
 * 127.0.0.1) and the handler's dispatch between CloudFormation and EventBridge events.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CfnResponse, MAX_RESPONSE_BYTES, responseBody, sendResponse } from '../../../functions/new-log-group/cfnResponse.ts';
import { isCustomResourceEvent } from '../../../functions/new-log-group/customResource.ts';
import { fakeLambdaContext } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { freeTcpPort } from '../../helpers/freePort.ts';
import { type HttpReceiver, startHttpReceiver } from '../../helpers/httpReceiver.ts';
import { cfnRequest, FORWARDER, OUR_FILTER, props, STACK_ID } from './customResourceKit.ts';
import { ACCOUNT, FakeLogs, REGION } from './fakeLogs.ts';

const FAST = { retries: 2, minTimeoutMs: 1, timeoutMs: 5_000 };
const response = (over: Partial<CfnResponse> = {}): CfnResponse => ({
  Status: 'SUCCESS',
  Reason: 'ok',
  PhysicalResourceId: 'emf-fanout-dev-LogGroupSubscriptions',
  StackId: STACK_ID,
  RequestId: 'r-1',
  LogicalResourceId: 'LogGroupSubscriptions',
  Data: { Subscribed: '3' },
  ...over,
});

let receiver: HttpReceiver;
beforeAll(async () => {
  receiver = await startHttpReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => receiver.clear());

describe('sending the answer', () => {
  it('retries when the URL answers 5xx, sending the same body each time', async () => {
    receiver.script({ status: 503 }, { status: 200 });
    await sendResponse(receiver.url, response(), FAST);
    expect(receiver.requests.map((r) => [r.method, r.status])).toEqual([
      ['PUT', 503],
      ['PUT', 200],
    ]);
    expect(receiver.requests[0]!.body).toBe(receiver.requests[1]!.body);
    expect(JSON.parse(receiver.requests[1]!.body)).toEqual(response());
  });

  it('does not retry a refused URL (expired or wrong), and says what the URL answered', async () => {
    receiver.script({ status: 403, body: '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>' });
    await expect(sendResponse(receiver.url, response(), FAST)).rejects.toThrow(/answered HTTP 403: <Error><Code>AccessDenied<\/Code><Message>Request has expired/);
    expect(receiver.requests).toHaveLength(1);
  });

  it('reports a URL nobody answers as a ResponseError', async () => {
    const port = await freeTcpPort();
    const error = await sendResponse(`http://127.0.0.1:${port}/x`, response(), { ...FAST, retries: 1 }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'ResponseError', reason: 'cfn_response_failed' });
    expect((error as Error).message).toMatch(/^the response could not be sent/);
  });

  it('keeps the body within 4096 bytes, shortening Reason and keeping the counts', () => {
    const long = response({ Status: 'FAILED', Reason: `PutSubscriptionFilter failed on ${'/aws/lambda/é'.repeat(800)}` });
    const body = responseBody(long);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    const parsed = JSON.parse(body) as CfnResponse;
    expect(parsed).toMatchObject({ Status: 'FAILED', PhysicalResourceId: long.PhysicalResourceId, RequestId: 'r-1', Data: { Subscribed: '3' } });
    expect(parsed.Reason).toMatch(/^PutSubscriptionFilter failed on \/aws\/lambda\/é.* … \(shortened; the function log has the rest\)$/);
    expect(responseBody(response())).toBe(JSON.stringify(response()));
  });
});

describe('handler', () => {
  const saved = { ...process.env };
  let fake: FakeLogs;
  afterEach(() => {
    fake?.restore();
    process.env = { ...saved };
    vi.resetModules();
  });

  it('tells a custom resource request from an EventBridge event', () => {
    expect(isCustomResourceEvent(cfnRequest('Create', receiver.url, props()))).toBe(true);
    expect(isCustomResourceEvent({ detail: { eventName: 'CreateLogGroup' } })).toBe(false);
    expect(isCustomResourceEvent(null)).toBe(false);
  });

  it('answers CloudFormation even when its environment is invalid; a CreateLogGroup event then fails naming the variable', async () => {
    fake = new FakeLogs();
    fake.addGroup('/aws/lambda/shop-cart');
    process.env = { ...saved, AWS_REGION: REGION, FILTER_NAME: OUR_FILTER, PIPELINE_LOG_GROUP_PREFIX: '/aws/lambda/emf-fanout-', LOG_LEVEL: 'error' };
    delete process.env.DESTINATION_ARN;
    const { handler } = await import('../../../functions/new-log-group/handler.ts');

    const out = await handler(cfnRequest('Create', receiver.url, props()), fakeLambdaContext());
    expect(out).toEqual({ outcome: 'SUCCESS' });
    expect(JSON.parse(receiver.requests.at(-1)!.body)).toMatchObject({ Status: 'SUCCESS', Data: { Subscribed: '1' } });
    expect(fake.filtersOf('/aws/lambda/shop-cart')).toEqual([{ filterName: OUR_FILTER, destinationArn: FORWARDER, filterPattern: '?"_aws"' }]);

    const created = { account: ACCOUNT, region: REGION, detail: { eventName: 'CreateLogGroup', requestParameters: { logGroupName: '/aws/lambda/shop-new' } } };
    await expect(handler(created, fakeLambdaContext())).rejects.toThrow('Environment variable DESTINATION_ARN is required');
  });
});

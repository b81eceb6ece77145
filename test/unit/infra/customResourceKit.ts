/**
 * CloudFormation custom resource requests as CloudFormation sends them (scalar properties as
 * strings, ServiceToken and ServiceTimeout among the properties), for the deploy-time
 * subscription tests.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { SubscriptionResourceProperties } from '../../../shared/subscriptions/resourceProperties.ts';
import { ACCOUNT, REGION } from './fakeLogs.ts';

export const FORWARDER = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:emf-fanout-dev-forwarder`;
export const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/emf-fanout-dev/0f1e2d3c-aaaa-bbbb-cccc-111122223333`;
export const OUR_FILTER = 'emf-fanout-dev';

export function props(over: Partial<SubscriptionResourceProperties> = {}): SubscriptionResourceProperties {
  return {
    Service: 'emf-fanout',
    Stage: 'dev',
    DestinationArn: FORWARDER,
    FilterPattern: '?"_aws"',
    Prefixes: ['/aws/lambda/shop-'],
    Patterns: [],
    RequiredTags: {},
    Exclude: [],
    StackManagedNames: [],
    MaxFiltersPerLogGroup: '2',
    ...over,
  };
}

let requests = 0;

/** A request of `type` whose answer goes to `responseUrl`. */
export function cfnRequest(
  type: 'Create' | 'Update' | 'Delete',
  responseUrl: string,
  properties: object,
  opts: { old?: object; physicalId?: string } = {},
): CloudFormationCustomResourceEvent {
  requests++;
  const common = {
    ServiceToken: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:emf-fanout-dev-new-log-group`,
    ResponseURL: responseUrl,
    StackId: STACK_ID,
    RequestId: `6f1c0b4e-${String(requests).padStart(4, '0')}-4d2a-9f1e-7a0b1c2d3e4f`,
    LogicalResourceId: 'LogGroupSubscriptions',
    ResourceType: 'Custom::EmfFanoutSubscriptions',
    ResourceProperties: { ServiceToken: 'token', ServiceTimeout: '1200', ...properties },
  };
  if (type === 'Create') return { ...common, RequestType: 'Create' };
  const PhysicalResourceId = opts.physicalId ?? 'emf-fanout-dev-LogGroupSubscriptions';
  if (type === 'Delete') return { ...common, RequestType: 'Delete', PhysicalResourceId };
  return { ...common, RequestType: 'Update', PhysicalResourceId, OldResourceProperties: { ServiceToken: 'token', ...(opts.old ?? {}) } };
}

/** A subscription filter of some other tool, delivering to its own function. */
export const otherFilter = (name: string) => ({ filterName: name, destinationArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`, filterPattern: '' });

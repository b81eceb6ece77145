/**
 * Deploy-time subscription of EXISTING log groups selected by prefix, pattern or tag: the
 * `Custom::EmfFanoutSubscriptions` resource, served by the new-log-group function
 * (functions/new-log-group/customResource.ts), plus the IAM policy it runs with.
 *
 * Ordering, which CloudFormation derives from `DependsOn`:
 * - after the ONE `logs.amazonaws.com` permission (ForwarderLogsInvokePermission): CloudWatch
 *   Logs test-invokes the forwarder when a filter is put, and fails without it;
 * - after its IAM policy, which is a separate `AWS::IAM::Policy` (not inline in the role) for
 *   the same reason: CloudFormation then creates or updates the policy before the resource
 *   runs, and deletes it only after the resource's Delete has removed the filters, also when
 *   the selection is emptied and the function stays for new log groups.
 */
import { SUBSCRIPTIONS_RESOURCE_TYPE, type SubscriptionResourceProperties } from '../../shared/subscriptions/resourceProperties.ts';
import { type Cfn, getAtt, ref, type Statement, sub } from './iam.ts';
import type { LogGroupSettings } from './logGroupSettings.ts';

/** Logical ID of the custom resource. */
const SUBSCRIPTIONS_RESOURCE_ID = 'LogGroupSubscriptions';
/** Logical ID of the policy the function uses to serve it. */
const SUBSCRIPTIONS_POLICY_ID = 'LogGroupSubscriptionsPolicy';

/**
 * Lambda's maximum: a deployment may list and subscribe a couple of thousand log groups at the
 * few calls per second CloudWatch Logs allows. The function answers FAILED before this runs out.
 */
export const DEPLOY_TIME_FUNCTION_TIMEOUT = 900;
/** CloudFormation gives up on an unanswered request after this (default: one hour). Above the function timeout. */
const SERVICE_TIMEOUT_SECONDS = 1_200;

/** Whether the stack subscribes existing log groups (names alone are `AWS::Logs::SubscriptionFilter` resources). */
export function hasDeployTimeSelection(s: Pick<LogGroupSettings, 'prefixes' | 'patterns' | 'tags'>): boolean {
  return s.prefixes.length + s.patterns.length + Object.keys(s.tags).length > 0;
}

/** A log group ARN in this stack's partition, Region and account; `suffix` is the part after `log-group:`. */
const logGroupArn = (suffix: string): Cfn => sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${suffix}`);

/**
 * Log groups as IAM resources: the exact names and prefixes when the selection is only those,
 * every log group otherwise (a regular expression or a tag cannot be written as an ARN).
 */
export function selectedLogGroupArns(s: Pick<LogGroupSettings, 'names' | 'prefixes' | 'patterns' | 'tags'>): Cfn[] {
  if (s.patterns.length > 0 || Object.keys(s.tags).length > 0) return [logGroupArn('*')];
  return [...s.names.flatMap((n) => [logGroupArn(n), logGroupArn(`${n}:*`)]), ...s.prefixes.map((p) => logGroupArn(`${p}*`))];
}

/** What serving the resource needs, and nothing else. */
function deployTimeStatements(s: LogGroupSettings): Statement[] {
  const tags = Object.keys(s.tags).length > 0;
  return [
    // DescribeLogGroups is a listing: IAM matches it against `log-group:*` whatever prefix is asked
    // for, so it cannot be narrowed to the selection (CloudWatch Logs user guide: "set the ARN of its
    // Resource line to use a * wildcard"). It reveals names and settings, never log events.
    { Sid: 'ListLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: logGroupArn('*') },
    // Putting a filter (which sends a log group's events somewhere) only on what the selection picks.
    {
      Sid: 'SubscribeSelectedLogGroups',
      Effect: 'Allow',
      Action: ['logs:PutSubscriptionFilter', ...(tags ? ['logs:ListTagsForResource'] : [])],
      Resource: selectedLogGroupArns({ ...s, names: [] }),
    },
    // Reading and deleting filters on any log group: an Update removes emf-fanout's filter from
    // the log groups the PREVIOUS selection picked (and a rollback, from those the failed one
    // picked), which the current selection's ARNs cannot name, and the role is updated before
    // the resource runs. The code deletes only the filter named <service>-<stage>; deleting
    // cannot send any log event anywhere.
    { Sid: 'RemoveOwnFilter', Effect: 'Allow', Action: ['logs:DescribeSubscriptionFilters', 'logs:DeleteSubscriptionFilter'], Resource: logGroupArn('*') },
  ];
}

/** The custom resource and its policy, for the function `fnLogicalId` running as `roleLogicalId`. */
export function deployTimeResources(s: LogGroupSettings, fnLogicalId: string, roleLogicalId: string): Record<string, Cfn> {
  const properties: SubscriptionResourceProperties<Cfn> & { ServiceToken: Cfn; ServiceTimeout: number } = {
    ServiceToken: getAtt(fnLogicalId, 'Arn'),
    ServiceTimeout: SERVICE_TIMEOUT_SECONDS,
    Service: s.service,
    Stage: s.stage,
    DestinationArn: getAtt('ForwarderLambdaFunction', 'Arn'),
    FilterPattern: s.filterPattern,
    Prefixes: s.prefixes,
    Patterns: s.patterns,
    RequiredTags: s.tags,
    Exclude: s.exclude,
    StackManagedNames: s.names,
    MaxFiltersPerLogGroup: String(s.maxFilters),
  };
  return {
    [SUBSCRIPTIONS_POLICY_ID]: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'deploy-time-subscriptions',
        Roles: [ref(roleLogicalId)],
        PolicyDocument: { Version: '2012-10-17', Statement: deployTimeStatements(s) },
      },
    },
    [SUBSCRIPTIONS_RESOURCE_ID]: {
      Type: SUBSCRIPTIONS_RESOURCE_TYPE,
      DependsOn: ['ForwarderLogsInvokePermission', SUBSCRIPTIONS_POLICY_ID],
      Properties: properties,
    },
  };
}

/**
 * Deploy-time subscriptions and the new-log-group function.
 *
 * - `subscribeLogGroupNames` → one `AWS::Logs::SubscriptionFilter` per log group, named
 *   `<service>-<stage>` (the name every emf-fanout tool recognises), with a logical ID derived
 *   from the log group name only, so deploys never replace or re-create them.
 * - `subscribeLogGroupPrefixes` / `…Patterns` / `…Tags` → the `Custom::EmfFanoutSubscriptions`
 *   resource (subscriptionResource.ts), served by the new-log-group function: the existing log
 *   groups they select are subscribed on deploy and unsubscribed on removal.
 * - `subscribeNewLogGroups` → an EventBridge rule on CloudTrail's CreateLogGroup that invokes
 *   the same function for every new log group.
 * The function (with its role, failure queue and alarms) exists when either needs it.
 *
 * The one Lambda permission that lets CloudWatch Logs invoke the forwarder is static
 * (infra/resources/forwarder.yml); every filter depends on it.
 */
import { createHash } from 'node:crypto';
import { loadNewLogGroupConfig } from '../../functions/new-log-group/config.ts';
import { pipelineNames } from '../../shared/subscriptions/naming.ts';
import { buildSelectionRules, judgeName, SelectionError, type SelectionRules } from '../../shared/subscriptions/selection.ts';
import { errorsAlarm, queueDepthAlarm } from './alarms.ts';
import { checkColdStart, type DeployContext } from './coldStart.ts';
import { normalizedFunctionName } from './consumers.ts';
import { type Cfn, failureQueue, getAtt, lambdaRole, ownLogsStatement } from './iam.ts';
import type { LogGroupSettings } from './logGroupSettings.ts';
import { ParamError, type Params } from './params.ts';
import { DEPLOY_TIME_FUNCTION_TIMEOUT, deployTimeResources, hasDeployTimeSelection, selectedLogGroupArns } from './subscriptionResource.ts';

/** Log group names: 1–512 of `[.-_/#A-Za-z0-9]` (CreateLogGroup API reference). */
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;

export async function readLogGroupSettings(p: Params): Promise<LogGroupSettings> {
  const service = await p.service();
  const stage = await p.stage();
  const names = await p.list('subscribeLogGroupNames');
  const prefixes = await p.list('subscribeLogGroupPrefixes');
  const patterns = await p.list('subscribeLogGroupPatterns');
  const tags = await p.stringMap('subscribeLogGroupTags');
  const exclude = await p.list('excludeLogGroups');
  for (const n of [...names, ...prefixes]) {
    if (!LOG_GROUP_NAME.test(n)) throw new ParamError(names.includes(n) ? 'subscribeLogGroupNames' : 'subscribeLogGroupPrefixes', `has an invalid log group name "${n}"`);
  }
  let rules: SelectionRules;
  try {
    rules = buildSelectionRules({ names, prefixes, patterns, tags, exclude, pipelinePrefix: pipelineNames(service, stage).pipelineLogGroupPrefix });
  } catch (e) {
    if (e instanceof SelectionError) throw new ParamError(e.setting === 'patterns' ? 'subscribeLogGroupPatterns' : 'subscribeLogGroupTags', e.message);
    throw e;
  }
  return {
    service,
    stage,
    names,
    prefixes,
    patterns,
    tags,
    exclude,
    filterPattern: await p.string('filterPattern', { allowEmpty: true }),
    maxFilters: await p.int('maxFiltersPerLogGroup', 1, 100),
    rules,
  };
}

/** A logical ID that depends only on the log group's name: stable across deploys, unique per name. */
export function subscriptionFilterLogicalId(logGroupName: string): string {
  const alnum = logGroupName.replace(/[^A-Za-z0-9]/g, '').slice(0, 64);
  const hash = createHash('sha256').update(logGroupName).digest('hex').slice(0, 8);
  return `SubscriptionFilter${alnum}${hash}`;
}

export function subscriptionFilterResources(s: LogGroupSettings): Record<string, Cfn> {
  const out: Record<string, Cfn> = {};
  for (const name of s.names) {
    const verdict = judgeName(s.rules, name);
    if (verdict.kind === 'pipeline') {
      throw new ParamError('subscribeLogGroupNames', `lists "${name}", which ${verdict.detail}: the pipeline would invoke itself on its own logs`);
    }
    if (verdict.kind === 'excluded') throw new ParamError('subscribeLogGroupNames', `lists "${name}", which is ${verdict.detail} (excludeLogGroups)`);
    out[subscriptionFilterLogicalId(name)] = {
      Type: 'AWS::Logs::SubscriptionFilter',
      // CloudWatch Logs test-invokes the destination when the filter is created.
      DependsOn: ['ForwarderLogsInvokePermission'],
      Properties: {
        LogGroupName: name,
        FilterName: pipelineNames(s.service, s.stage).filterName,
        FilterPattern: s.filterPattern,
        DestinationArn: getAtt('ForwarderLambdaFunction', 'Arn'),
      },
    };
  }
  return out;
}

/** `EXCLUDE_LOG_GROUPS` for the forwarder: every stage's pipeline log groups, then the user's exclusions. */
export function forwarderExcludes(s: Pick<LogGroupSettings, 'service' | 'stage' | 'exclude'>): string {
  return [`${pipelineNames(s.service, s.stage).pipelineLogGroupPrefix}*`, ...s.exclude].join(',');
}

/** Which param each selection variable (shared/subscriptions/selectionEnv.ts) comes from. */
export const SELECTION_PARAM_OF: Readonly<Record<string, string>> = {
  SUBSCRIBE_NAMES: 'subscribeLogGroupNames',
  SUBSCRIBE_PREFIXES: 'subscribeLogGroupPrefixes',
  SUBSCRIBE_PATTERNS: 'subscribeLogGroupPatterns',
  SUBSCRIBE_TAGS: 'subscribeLogGroupTags',
  EXCLUDE_LOG_GROUPS: 'excludeLogGroups',
};

/**
 * The selection variables of `s`, which `selectionRulesFromEnv` reads back: the new-log-group function and the
 * metrics scraper get the same ones, so they select what the subscription tool selects.
 */
export function selectionEnvironment(s: LogGroupSettings): Record<string, string> {
  return {
    PIPELINE_LOG_GROUP_PREFIX: pipelineNames(s.service, s.stage).pipelineLogGroupPrefix,
    SUBSCRIBE_NAMES: s.names.join(','),
    SUBSCRIBE_PREFIXES: s.prefixes.join(','),
    SUBSCRIBE_PATTERNS: JSON.stringify(s.patterns),
    SUBSCRIBE_TAGS: JSON.stringify(s.tags),
    EXCLUDE_LOG_GROUPS: s.exclude.join(','),
  };
}

/** Which param each of the new-log-group function's variables comes from (the others are the generator's). */
const NEW_LOG_GROUP_PARAM_OF: Readonly<Record<string, string>> = {
  FILTER_PATTERN: 'filterPattern',
  ...SELECTION_PARAM_OF,
  MAX_FILTERS_PER_LOG_GROUP: 'maxFiltersPerLogGroup',
};

export async function generateNewLogGroup(p: Params, s: LogGroupSettings, d: DeployContext): Promise<{ functions: Record<string, Cfn>; resources: Record<string, Cfn> }> {
  const newGroups = await p.bool('subscribeNewLogGroups');
  const atDeploy = hasDeployTimeSelection(s);
  if (!newGroups && !atDeploy) return { functions: {}, resources: {} };
  if (newGroups && s.names.length + s.prefixes.length + s.patterns.length + Object.keys(s.tags).length === 0) {
    throw new ParamError('subscribeNewLogGroups', 'is true but no log group is selected (subscribeLogGroupNames, …Prefixes, …Patterns or …Tags)');
  }
  const key = 'new-log-group';
  const name = normalizedFunctionName(key);
  const ids = { fn: `${name}LambdaFunction`, role: `${name}Role`, queue: `${name}FailureQueue`, rule: `${name}CreateLogGroupRule` };
  const names = pipelineNames(s.service, s.stage);
  const topic = await p.string('alarmTopicArn', { allowEmpty: true });
  const label = `emf-fanout ${s.stage} ${key}`;
  const tagsUsed = Object.keys(s.tags).length > 0;

  const reserved = await p.optionalInt('newLogGroupReservedConcurrency', 1, Number.POSITIVE_INFINITY);
  const fn = {
    handler: 'functions/new-log-group/handler.handler',
    description: `emf-fanout: subscribes ${[atDeploy && 'existing log groups at deploy time', newGroups && 'new log groups (CloudTrail CreateLogGroup)'].filter(Boolean).join(' and ')}`,
    role: ids.role,
    memorySize: 256,
    timeout: atDeploy ? DEPLOY_TIME_FUNCTION_TIMEOUT : 30,
    maximumRetryAttempts: 2,
    ...(reserved === undefined ? {} : { reservedConcurrency: reserved }),
    destinations: { onFailure: { type: 'sqs', arn: getAtt(ids.queue, 'Arn') } },
    environment: {
      DESTINATION_ARN: getAtt('ForwarderLambdaFunction', 'Arn'),
      FILTER_NAME: names.filterName,
      FILTER_PATTERN: s.filterPattern,
      ...selectionEnvironment(s),
      MAX_FILTERS_PER_LOG_GROUP: String(s.maxFilters),
    },
  };
  checkColdStart(
    {
      functionKey: key,
      environment: fn.environment,
      paramOf: (v) => NEW_LOG_GROUP_PARAM_OF[v] ?? v,
      validate: (env) => void loadNewLogGroupConfig(env),
    },
    d,
  );
  // The CreateLogGroup path; the deploy-time resource has its own policy (subscriptionResource.ts).
  const eventStatements: Cfn[] = newGroups
    ? [
        {
          Sid: 'SubscribeSelectedLogGroups',
          Effect: 'Allow',
          Action: ['logs:DescribeSubscriptionFilters', 'logs:PutSubscriptionFilter', ...(tagsUsed ? ['logs:ListTagsForResource'] : [])],
          Resource: selectedLogGroupArns(s),
        },
      ]
    : [];
  const statements: Cfn[] = [
    ...eventStatements,
    ownLogsStatement(`${name}LogGroup`),
    { Sid: 'FailedEvents', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(ids.queue, 'Arn') },
  ];
  const resources: Record<string, Cfn> = {
    [ids.role]: lambdaRole(key, statements),
    [ids.queue]: failureQueue(`${s.service}-${s.stage}-${key}-failures`),
    [`${name}ErrorsAlarm`]: errorsAlarm(label, ids.fn, await p.int('alarmErrorsThreshold', 1, 1_000_000), topic),
    [`${name}FailureQueueDepthAlarm`]: queueDepthAlarm(label, ids.queue, topic),
    ...(atDeploy ? deployTimeResources(s, ids.fn, ids.role) : {}),
  };
  if (!newGroups) return { functions: { [key]: fn }, resources };
  Object.assign(resources, {
    [ids.rule]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: `emf-fanout ${s.stage}: new log groups (CloudTrail CreateLogGroup)`,
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.logs'],
          'detail-type': ['AWS API Call via CloudTrail'],
          detail: { eventSource: ['logs.amazonaws.com'], eventName: ['CreateLogGroup'] },
        },
        Targets: [{ Id: key, Arn: getAtt(ids.fn, 'Arn') }],
      },
    },
    [`${name}EventsInvokePermission`]: {
      Type: 'AWS::Lambda::Permission',
      Properties: { FunctionName: getAtt(ids.fn, 'Arn'), Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: getAtt(ids.rule, 'Arn') },
    },
  });
  return { functions: { [key]: fn }, resources };
}

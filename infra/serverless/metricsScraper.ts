/**
 * The CloudWatch metrics scraper (`metricsScraperEnabled`; off by default, and then nothing of it exists): a
 * function run on a schedule that reads CloudWatch metrics (GetMetricData, ListMetrics) and writes them as EMF
 * documents to the stream, where every consumer takes them like the forwarder's.
 *
 * - Schedule: an EventBridge rule, `rate(N minutes)` from `SCRAPER_INTERVAL_SECONDS`, with the Lambda
 *   permission for that rule only. What EventBridge could not hand to Lambda, and runs that failed every
 *   retry, go to the function's failure queue (its policy lets that rule send to it).
 * - Environment: the stream, `pipelineMetrics`, the subscription rules (the scraper reads the Lambda
 *   metrics of the functions whose log groups they select), `metricsScraperMetrics` as `SCRAPER_METRICS`,
 *   and `metricsScraperEnvironment`; all of it through the function's own cold-start validation
 *   (`loadScraperConfig`) first.
 * - Role: read CloudWatch metrics, put records on this stream (and generate data keys with its customer
 *   managed key, if any), read log groups' tags only when a tag rule is set, its own logs, its failure queue.
 * - Alarms: errors and failure-queue depth.
 *
 * `npm run package` also prints what the settings will cost in CloudWatch API calls (scraperCost.ts).
 */
import { loadScraperConfig, type ScraperConfig } from '../../functions/metrics-scraper/config.ts';
import { LAMBDA_NAMESPACE } from '../../functions/metrics-scraper/lambdaMetrics.ts';
import { SELECTION_PARAM_OF, selectionEnvironment } from './subscriptions.ts';
import { errorsAlarm, queueDepthAlarm } from './alarms.ts';
import { checkColdStart, checkPlainSecrets, type DeployContext } from './coldStart.ts';
import { normalizedFunctionName } from './consumers.ts';
import { type Cfn, failureQueue, getAtt, lambdaRole, ownLogsStatement, ref, type Statement, sub } from './iam.ts';
import type { LogGroupSettings } from './logGroupSettings.ts';
import { ParamError, type Params } from './params.ts';
import { scraperCostLines } from './scraperCost.ts';

const SCRAPER_KEY = 'metrics-scraper';
const ENV_PARAM = 'metricsScraperEnvironment';

/**
 * The function's timeout: under the shortest interval (60 s, `loadScraperConfig`), so that a run ends before
 * the next one starts and two runs never read and write at once.
 */
export const SCRAPER_TIMEOUT_SECONDS = 55;

/**
 * How long Lambda keeps a failed run for its retries (about 1 and 2 minutes after a failure, later while
 * the function is throttled): both fit, and what a retry delivers is at most an hour old (providers such as
 * Prometheus refuse samples much older than the newest they hold). A retried run reads the same periods as
 * the first try (its window depends on its scheduled time only: functions/metrics-scraper/window.ts).
 */
export const SCRAPER_MAX_EVENT_AGE_SECONDS = 3_600;

/** Retries of each: Lambda's of a failed run, EventBridge's of a run Lambda did not accept. */
const RETRIES = 2;

/** Which param each variable comes from (the rest of the generator's own variables are named as they are). */
const PARAM_OF: Readonly<Record<string, string>> = {
  PIPELINE_METRICS: 'pipelineMetrics',
  ...SELECTION_PARAM_OF,
  SCRAPER_METRICS: 'metricsScraperMetrics',
};
const GENERATED = ['KINESIS_STREAM_NAME', 'PIPELINE_LOG_GROUP_PREFIX', ...Object.keys(PARAM_OF)];

/** `rate(…)` for an interval of whole minutes (EventBridge's finest rate), longer than the function's timeout. */
export function scheduleExpression(intervalSeconds: number, timeoutSeconds: number = SCRAPER_TIMEOUT_SECONDS): string {
  const param = `${ENV_PARAM}.SCRAPER_INTERVAL_SECONDS`;
  if (!Number.isInteger(intervalSeconds) || intervalSeconds <= 0 || intervalSeconds % 60 !== 0) {
    throw new ParamError(param, `must be a whole number of minutes (an EventBridge schedule's unit), got ${intervalSeconds}`);
  }
  if (intervalSeconds <= timeoutSeconds) {
    throw new ParamError(param, `must be longer than the function's timeout (${timeoutSeconds} s), so that runs never overlap, got ${intervalSeconds}`);
  }
  const minutes = intervalSeconds / 60;
  return `rate(${minutes} minute${minutes === 1 ? '' : 's'})`;
}

/** The namespaces the scraper reads: AWS/Lambda (unless `SCRAPER_LAMBDA_METRICS=none`) and every selection's. */
function scrapedNamespaces(c: Pick<ScraperConfig, 'lambdaMetrics' | 'selections'>): string[] {
  return [...new Set([...(c.lambdaMetrics.length > 0 ? [LAMBDA_NAMESPACE] : []), ...c.selections.map((s) => s.namespace)])];
}

interface ScraperOutput {
  functions: Record<string, Cfn>;
  resources: Record<string, Cfn>;
  /** What `npm run package` prints: the cost estimate. */
  notes: string[];
  /** Its function and failure queue, for the dashboard (absent when it is off). */
  ids?: { fn: string; queue: string };
}

export async function generateMetricsScraper(p: Params, s: LogGroupSettings, d: DeployContext): Promise<ScraperOutput> {
  if (!(await p.bool('metricsScraperEnabled', false))) return { functions: {}, resources: {}, notes: [] };
  const key = SCRAPER_KEY;
  const name = normalizedFunctionName(key);
  const ids = {
    fn: `${name}LambdaFunction`,
    role: `${name}Role`,
    queue: `${name}FailureQueue`,
    queuePolicy: `${name}FailureQueuePolicy`,
    rule: `${name}ScheduleRule`,
    permission: `${name}EventsInvokePermission`,
  };
  const own = await p.stringMap(ENV_PARAM);
  for (const v of GENERATED) {
    if (Object.hasOwn(own, v)) throw new ParamError(`${ENV_PARAM}.${v}`, `is set by the deployment${PARAM_OF[v] ? ` from the param "${PARAM_OF[v]}"` : ''}: remove it here`);
  }
  checkPlainSecrets(ENV_PARAM, own, { prefixes: ['SCRAPER_'], refVariables: [], headerVariables: {}, urlCredentials: {} });
  const environment: Record<string, Cfn> = {
    ...own,
    KINESIS_STREAM_NAME: ref('EmfStream'),
    PIPELINE_METRICS: String(await p.bool('pipelineMetrics')),
    // The same rules as the new-log-group function's: the functions whose log groups they select.
    ...selectionEnvironment(s),
    SCRAPER_METRICS: JSON.stringify(await p.mapList('metricsScraperMetrics')),
  };
  let config: ScraperConfig | undefined;
  checkColdStart(
    {
      functionKey: key,
      environment,
      paramOf: (v) => PARAM_OF[v] ?? (GENERATED.includes(v) ? v : `${ENV_PARAM}.${v}`),
      validate: (env) => {
        config = loadScraperConfig(env);
      },
    },
    d,
  );
  if (config === undefined) throw new Error('loadScraperConfig returned nothing');
  const platformNamespace = await p.scalar('platformNamespace');
  if (scrapedNamespaces(config).includes(platformNamespace)) {
    const from = platformNamespace === LAMBDA_NAMESPACE && config.lambdaMetrics.length > 0 ? `${ENV_PARAM}.SCRAPER_LAMBDA_METRICS` : 'metricsScraperMetrics';
    throw new ParamError(
      'platformNamespace',
      `is "${platformNamespace}", a namespace the metrics scraper reads (${from}): the forwarder's platform metrics and the scraped ones would share names; choose another namespace`,
    );
  }
  const schedule = scheduleExpression(config.intervalSeconds);

  const streamKeyArn = await p.string('streamKmsKeyArn', { allowEmpty: true });
  const tagsUsed = Object.keys(s.tags).length > 0;
  const statements: Statement[] = [
    // The stack's only statement on "*": GetMetricData and ListMetrics support no resource-level permissions.
    { Sid: 'CloudWatchMetricsRead', Effect: 'Allow', Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'], Resource: '*' },
    // As the forwarder's (infra/resources/forwarder.yml): this stream, and its customer managed key if any.
    { Sid: 'WriteStream', Effect: 'Allow', Action: 'kinesis:PutRecords', Resource: getAtt('EmfStream', 'Arn') },
    ...(streamKeyArn !== '' ? [{ Sid: 'EncryptWithStreamKey', Effect: 'Allow' as const, Action: 'kms:GenerateDataKey', Resource: streamKeyArn }] : []),
    // A tag rule selects functions by their log groups' tags: Lambda's log groups only.
    ...(tagsUsed
      ? [{ Sid: 'ReadFunctionLogGroupTags', Effect: 'Allow' as const, Action: 'logs:ListTagsForResource', Resource: sub('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*') }]
      : []),
    ownLogsStatement(`${name}LogGroup`),
    { Sid: 'FailedRuns', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(ids.queue, 'Arn') },
  ];

  const fn = {
    handler: 'functions/metrics-scraper/handler.handler',
    description: 'emf-fanout metrics scraper (CloudWatch metrics → Kinesis, on a schedule)',
    role: ids.role,
    memorySize: 256,
    timeout: SCRAPER_TIMEOUT_SECONDS,
    // A run that failed: retried by Lambda, then its event goes to the failure queue.
    maximumRetryAttempts: RETRIES,
    maximumEventAge: SCRAPER_MAX_EVENT_AGE_SECONDS,
    destinations: { onFailure: { type: 'sqs', arn: getAtt(ids.queue, 'Arn') } },
    environment,
  };

  const topic = await p.string('alarmTopicArn', { allowEmpty: true });
  const label = `emf-fanout ${s.stage} ${key}`;
  const resources: Record<string, Cfn> = {
    [ids.role]: lambdaRole(key, statements),
    [ids.queue]: failureQueue(`${s.service}-${s.stage}-${key}-failures`),
    // EventBridge sends what it could not deliver to the queue itself (a dead-letter queue), from this rule only.
    [ids.queuePolicy]: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [ref(ids.queue)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ScheduleDeadLetters',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: getAtt(ids.queue, 'Arn'),
              Condition: { ArnEquals: { 'aws:SourceArn': getAtt(ids.rule, 'Arn') } },
            },
          ],
        },
      },
    },
    [ids.rule]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: `emf-fanout ${s.stage}: CloudWatch metrics scraper, every ${config.intervalSeconds} s`,
        State: 'ENABLED',
        ScheduleExpression: schedule,
        Targets: [
          {
            Id: key,
            Arn: getAtt(ids.fn, 'Arn'),
            // EventBridge retries only a run Lambda did not accept (throttled, unavailable). Past one interval
            // the next run is due: the event goes to the queue instead of starting beside it, and its time
            // says which periods were not read.
            RetryPolicy: { MaximumRetryAttempts: RETRIES, MaximumEventAgeInSeconds: config.intervalSeconds },
            DeadLetterConfig: { Arn: getAtt(ids.queue, 'Arn') },
          },
        ],
      },
    },
    [ids.permission]: {
      Type: 'AWS::Lambda::Permission',
      Properties: { FunctionName: getAtt(ids.fn, 'Arn'), Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: getAtt(ids.rule, 'Arn') },
    },
    [`${name}ErrorsAlarm`]: errorsAlarm(label, ids.fn, await p.int('alarmErrorsThreshold', 1, 1_000_000), topic),
    [`${name}FailureQueueDepthAlarm`]: queueDepthAlarm(label, ids.queue, topic),
  };
  const namedFunctions = s.names.filter((n) => n.startsWith('/aws/lambda/')).length;
  return { functions: { [key]: fn }, resources, notes: scraperCostLines(config, namedFunctions), ids: { fn: ids.fn, queue: ids.queue } };
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateFunctions, generateResources } from '../../../infra/serverless/generate.ts';
import { SCRAPER_MAX_EVENT_AGE_SECONDS, SCRAPER_TIMEOUT_SECONDS, scheduleExpression } from '../../../infra/serverless/metricsScraper.ts';
import { scraperCostLines } from '../../../infra/serverless/scraperCost.ts';
import { loadScraperConfig } from '../../../functions/metrics-scraper/config.ts';
import { fixture } from './paramsFixture.ts';
import { ctx } from './slsContext.ts';

type Res = Record<string, { Type: string; Properties: Record<string, any> }>;
type Fn = { handler: string; memorySize: number; timeout: number; maximumRetryAttempts: number; maximumEventAge: number; destinations: unknown; environment: Record<string, unknown> };
type Stmt = { Sid: string; Action: string | string[]; Resource: unknown };

const STREAM_KEY = 'arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555';
const SQS_AGE = { namespace: 'AWS/SQS', metrics: ['ApproximateAgeOfOldestMessage'], dimensions: { QueueName: 'orders-*' }, type: 'gauge', unit: 'Seconds' };
const on = (extra: Record<string, unknown> = {}) => ({ ...fixture(), metricsScraperEnabled: true, ...extra });
const ID = 'MetricsDashscraper';

let logged: string[];
beforeEach(() => {
  logged = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
});
afterEach(() => vi.restoreAllMocks());

const fnOf = async (params: Record<string, unknown>) => (await generateFunctions(ctx(params)))['metrics-scraper'] as Fn | undefined;
const resOf = async (params: Record<string, unknown>) => (await generateResources(ctx(params))).Resources as Res;
const statementsOf = (r: Res) => r[`${ID}Role`]!.Properties.Policies[0].PolicyDocument.Statement as Stmt[];
const failure = (params: Record<string, unknown>) =>
  generateFunctions(ctx(params)).then(
    () => {
      throw new Error('generated without an error');
    },
    (e: Error) => e.message,
  );

describe('metrics scraper: off', () => {
  it('generates nothing by default, nor when turned off with its other settings given', async () => {
    for (const params of [fixture(), { ...fixture(), metricsScraperEnabled: false, metricsScraperEnvironment: { SCRAPER_INTERVAL_SECONDS: '300' }, metricsScraperMetrics: [SQS_AGE] }]) {
      expect(await fnOf(params)).toBeUndefined();
      expect(Object.keys(await resOf(params)).filter((k) => k.startsWith(ID))).toEqual([]);
    }
    expect(logged).toEqual([]);
  });
});

describe('metrics scraper: on', () => {
  it('deploys the function with the stream, the subscription rules, its selections and its environment', async () => {
    const selection = { subscribeLogGroupNames: ['/aws/lambda/orders-api'], subscribeLogGroupPrefixes: ['/aws/lambda/shop-'], subscribeLogGroupPatterns: ['^/ecs/'], excludeLogGroups: ['/aws/lambda/shop-test*'] };
    const params = on({ ...selection, subscribeNewLogGroups: true, metricsScraperEnvironment: { SCRAPER_INTERVAL_SECONDS: 120, SCRAPER_DELAY_SECONDS: '240' }, metricsScraperMetrics: [SQS_AGE] });
    const fns = (await generateFunctions(ctx(params))) as Record<string, Fn>;
    const fn = fns['metrics-scraper']!;
    expect(fn).toMatchObject({ handler: 'functions/metrics-scraper/handler.handler', memorySize: 256, timeout: SCRAPER_TIMEOUT_SECONDS, role: `${ID}Role` });
    expect(fn.environment).toMatchObject({ KINESIS_STREAM_NAME: { Ref: 'EmfStream' }, PIPELINE_METRICS: 'true', SCRAPER_INTERVAL_SECONDS: '120', SCRAPER_DELAY_SECONDS: '240' });
    expect(JSON.parse(fn.environment.SCRAPER_METRICS as string)).toEqual([SQS_AGE]);
    // The same selection variables, with the same values, as the new-log-group function's.
    const rules = ['PIPELINE_LOG_GROUP_PREFIX', 'SUBSCRIBE_NAMES', 'SUBSCRIBE_PREFIXES', 'SUBSCRIBE_PATTERNS', 'SUBSCRIBE_TAGS', 'EXCLUDE_LOG_GROUPS'];
    const nlg = fns['new-log-group'] as Fn;
    expect(Object.fromEntries(rules.map((v) => [v, fn.environment[v]]))).toEqual(Object.fromEntries(rules.map((v) => [v, nlg.environment[v]])));
    expect(fn.environment.SUBSCRIBE_NAMES).toBe('/aws/lambda/orders-api');
    // What the function's cold start makes of it.
    const env = Object.fromEntries(Object.entries(fn.environment).map(([k, v]) => [k, typeof v === 'string' ? v : 'emf-fanout-dev']));
    const c = loadScraperConfig({ ...env, AWS_REGION: 'us-east-1' });
    expect([c.intervalSeconds, c.delaySeconds, c.selections.map((s) => s.namespace)]).toEqual([120, 240, ['AWS/SQS']]);
    // A pipeline function like the others: pipelineMetrics reaches it.
    expect((await fnOf(on({ pipelineMetrics: false })))!.environment.PIPELINE_METRICS).toBe('false');
  });

  it('runs on an EventBridge schedule of the interval, retried and then parked in its failure queue', async () => {
    for (const [interval, rate] of [
      [undefined, 'rate(1 minute)'],
      [300, 'rate(5 minutes)'],
    ] as const) {
      const params = on(interval === undefined ? {} : { metricsScraperEnvironment: { SCRAPER_INTERVAL_SECONDS: interval } });
      const r = await resOf(params);
      const rule = r[`${ID}ScheduleRule`]!;
      expect(rule.Type).toBe('AWS::Events::Rule');
      expect(rule.Properties.ScheduleExpression).toBe(rate);
      expect(rule.Properties.Targets).toEqual([
        {
          Id: 'metrics-scraper',
          Arn: { 'Fn::GetAtt': [`${ID}LambdaFunction`, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: interval ?? 60 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [`${ID}FailureQueue`, 'Arn'] } },
        },
      ]);
      // The timeout is under the interval: a run ends before the next starts.
      expect((await fnOf(params))!.timeout).toBeLessThan(interval ?? 60);
    }
    const r = await resOf(on());
    expect(r[`${ID}EventsInvokePermission`]).toEqual({
      Type: 'AWS::Lambda::Permission',
      Properties: { FunctionName: { 'Fn::GetAtt': [`${ID}LambdaFunction`, 'Arn'] }, Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [`${ID}ScheduleRule`, 'Arn'] } },
    });
    expect(r[`${ID}FailureQueue`]).toMatchObject({ Type: 'AWS::SQS::Queue', Properties: { QueueName: 'emf-fanout-dev-metrics-scraper-failures', SqsManagedSseEnabled: true } });
    // EventBridge may send to the queue from this rule only.
    expect(r[`${ID}FailureQueuePolicy`]!.Properties).toEqual({
      Queues: [{ Ref: `${ID}FailureQueue` }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ScheduleDeadLetters',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [`${ID}FailureQueue`, 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [`${ID}ScheduleRule`, 'Arn'] } } },
          },
        ],
      },
    });
    // Lambda's own retries of a failed run, then the same queue.
    expect(await fnOf(on())).toMatchObject({
      maximumRetryAttempts: 2,
      maximumEventAge: SCRAPER_MAX_EVENT_AGE_SECONDS,
      destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': [`${ID}FailureQueue`, 'Arn'] } } },
    });
    // Alarms on errors and on the queue.
    expect(r[`${ID}ErrorsAlarm`]!.Properties).toMatchObject({ MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: `${ID}LambdaFunction` } }] });
    expect(r[`${ID}FailureQueueDepthAlarm`]!.Properties).toMatchObject({ Namespace: 'AWS/SQS', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [`${ID}FailureQueue`, 'QueueName'] } }] });
  });

  it('gives its role the two CloudWatch reads on "*" and nothing else on "*"; the stream; tags only with a tag rule', async () => {
    const plain = statementsOf(await resOf(on()));
    expect(plain).toEqual([
      { Sid: 'CloudWatchMetricsRead', Effect: 'Allow', Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'], Resource: '*' },
      { Sid: 'WriteStream', Effect: 'Allow', Action: 'kinesis:PutRecords', Resource: { 'Fn::GetAtt': ['EmfStream', 'Arn'] } },
      { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [`${ID}LogGroup`, 'Arn'] } },
      { Sid: 'FailedRuns', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [`${ID}FailureQueue`, 'Arn'] } },
    ]);
    const tagged = statementsOf(await resOf(on({ subscribeLogGroupTags: { team: 'shop' }, streamKmsKeyArn: STREAM_KEY })));
    expect(tagged.filter((s) => !plain.some((p) => p.Sid === s.Sid))).toEqual([
      { Sid: 'EncryptWithStreamKey', Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: STREAM_KEY },
      { Sid: 'ReadFunctionLogGroupTags', Effect: 'Allow', Action: 'logs:ListTagsForResource', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*' } },
    ]);
    for (const s of tagged) if (s.Resource === '*') expect(s.Sid).toBe('CloudWatchMetricsRead');
  });

  it('prints its cost estimate once per packaging, from its settings and the functions named in subscribeLogGroupNames', async () => {
    const params = on({ subscribeLogGroupNames: ['/aws/lambda/a', '/aws/lambda/b', '/ecs/c'], metricsScraperEnvironment: { SCRAPER_INTERVAL_SECONDS: '300' } });
    const fn = (await fnOf(params))!;
    const env = Object.fromEntries(Object.entries(fn.environment).map(([k, v]) => [k, typeof v === 'string' ? v : 's']));
    expect(logged).toEqual(scraperCostLines(loadScraperConfig({ ...env, AWS_REGION: 'us-east-1' }), 2));
    expect(logged.join('\n')).toContain('the 2 functions named in subscribeLogGroupNames');
    logged.length = 0;
    await resOf(params);
    expect(logged).toEqual([]);
  });
});

describe('metrics scraper: settings refused by npm run package, naming the param', () => {
  it('refuses what its cold start would refuse', async () => {
    expect(await failure(on({ metricsScraperEnvironment: { SCRAPER_DELAY_SECONDS: 'soon' } }))).toBe(
      'param "metricsScraperEnvironment.SCRAPER_DELAY_SECONDS" would make function "metrics-scraper" fail at every cold start: Environment variable SCRAPER_DELAY_SECONDS must be an integer, got "soon" (config/params.yml, or the file named by EMF_FANOUT_PARAMS)',
    );
    expect(await failure(on({ metricsScraperEnvironment: { SCRAPER_LAMBDA_METRICS: 'Errors,Invocations' } }))).toMatch(
      /^param "metricsScraperEnvironment\.SCRAPER_LAMBDA_METRICS" would make function "metrics-scraper" fail at every cold start: .*"Invocations" is not one of/,
    );
    expect(await failure(on({ metricsScraperMetrics: [{ ...SQS_AGE, type: 'histogram' }] }))).toMatch(
      /^param "metricsScraperMetrics" would make function "metrics-scraper" fail at every cold start: .*selection 1 \(AWS\/SQS\): type must be one of count, gauge, distribution/,
    );
    expect(await failure(on({ metricsScraperMetrics: [SQS_AGE, 'AWS/SQS'] }))).toMatch(/^param "metricsScraperMetrics\[1\]" must be a map, got "AWS\/SQS"/);
    expect(await failure(on({ metricsScraperMetrics: { namespace: 'AWS/SQS' } }))).toMatch(/^param "metricsScraperMetrics" must be a list of maps/);
  });

  it('refuses an interval that is not whole minutes or not longer than the timeout', async () => {
    expect(await failure(on({ metricsScraperEnvironment: { SCRAPER_INTERVAL_SECONDS: 30 } }))).toMatch(/^param "metricsScraperEnvironment\.SCRAPER_INTERVAL_SECONDS" would make function "metrics-scraper" fail/);
    expect(scheduleExpression(60)).toBe('rate(1 minute)');
    expect(scheduleExpression(7_200)).toBe('rate(120 minutes)');
    expect(() => scheduleExpression(90)).toThrow('param "metricsScraperEnvironment.SCRAPER_INTERVAL_SECONDS" must be a whole number of minutes');
    expect(() => scheduleExpression(120, 120)).toThrow("must be longer than the function's timeout (120 s), so that runs never overlap, got 120");
    // The shortest interval the function accepts is longer than its timeout.
    const shortest = () => loadScraperConfig({ AWS_REGION: 'r', KINESIS_STREAM_NAME: 's', PIPELINE_LOG_GROUP_PREFIX: '/p/', SCRAPER_INTERVAL_SECONDS: String(SCRAPER_TIMEOUT_SECONDS) });
    expect(shortest).toThrow(/SCRAPER_INTERVAL_SECONDS/);
  });

  it('refuses a variable the deployment sets', async () => {
    for (const [variable, param] of [
      ['KINESIS_STREAM_NAME', undefined],
      ['SUBSCRIBE_NAMES', 'subscribeLogGroupNames'],
      ['SCRAPER_METRICS', 'metricsScraperMetrics'],
      ['PIPELINE_METRICS', 'pipelineMetrics'],
    ] as const) {
      expect(await failure(on({ metricsScraperEnvironment: { [variable]: 'x' } }))).toBe(
        `param "metricsScraperEnvironment.${variable}" is set by the deployment${param ? ` from the param "${param}"` : ''}: remove it here (config/params.yml, or the file named by EMF_FANOUT_PARAMS)`,
      );
    }
    expect(await failure(on({ metricsScraperEnvironment: { AWS_REGION: 'eu-west-1' } }))).toMatch(/^param "metricsScraperEnvironment\.AWS_REGION" is reserved by Lambda/);
  });

  it('refuses a platform namespace the scraper reads: the platform metrics and the scraped ones would share names', async () => {
    expect(await failure(on({ platformNamespace: 'AWS/Lambda' }))).toMatch(/^param "platformNamespace" is "AWS\/Lambda", a namespace the metrics scraper reads \(metricsScraperEnvironment\.SCRAPER_LAMBDA_METRICS\)/);
    expect(await failure(on({ platformNamespace: 'AWS/SQS', metricsScraperMetrics: [SQS_AGE] }))).toMatch(/^param "platformNamespace" is "AWS\/SQS", a namespace the metrics scraper reads \(metricsScraperMetrics\)/);
    // Without the Lambda metrics, AWS/Lambda is not read.
    const noLambda = on({ platformNamespace: 'AWS/Lambda', metricsScraperEnvironment: { SCRAPER_LAMBDA_METRICS: 'none' }, metricsScraperMetrics: [SQS_AGE] });
    expect(await fnOf(noLambda)).toBeDefined();
    // Off: nothing is read.
    expect(await fnOf({ ...fixture(), platformNamespace: 'AWS/Lambda' })).toBeUndefined();
  });
});

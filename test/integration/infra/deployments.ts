/**
 * The two deployments the package tests read: the defaults (the forwarder only) and one with
 * everything enabled. Packaged once between the test files that read them (template.ts keeps a
 * packaging while nothing changes).
 */
import { ofType, paramsWith, policyStatements, roleStatements, slsPackage, type Packaged, type Stmt } from './template.ts';

export const STREAM_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';
export const PROM_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/99999999-2222-3333-4444-555555555555';
export const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:alerts';
/** The Datadog Lambda extension beside the StatsD consumer, which sends to it on 127.0.0.1:8125, and its API key's secret. */
export const DATADOG_EXTENSION = 'arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension-ARM:77';
export const DD_API_KEY_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:datadog-api-key-AbCdEf';
/** The Datadog API consumer's key, by reference (a JSON key of a Secrets Manager secret). */
export const DD_API_KEY_REF = 'secretsmanager:emf-fanout/datadog#api_key';
/** The metrics scraper's one extra selection in the full deployment (besides the Lambda metrics). */
export const SCRAPER_SELECTION = { namespace: 'AWS/SQS', metrics: ['ApproximateAgeOfOldestMessage'], dimensions: { QueueName: 'orders-*' }, type: 'gauge', unit: 'Seconds' };
/** The consumers of the full deployment: function key and logical-ID prefix. */
export const CONSUMERS = [
  { fn: 'prometheus', id: 'Prometheus' },
  { fn: 'datadog', id: 'Datadog' },
  { fn: 'statsd', id: 'Statsd' },
  { fn: 'example-http', id: 'ExampleDashhttp' },
];

/** Every statement of every role and standalone policy. */
export const allStatements = (p: Packaged): Stmt[] => [
  ...ofType(p.template, 'AWS::IAM::Role').flatMap(([id]) => roleStatements(p.template, id)),
  ...ofType(p.template, 'AWS::IAM::Policy').flatMap(([id]) => policyStatements(p.template, id)),
];

/** The default settings (the tests' params, no consumer), stage dev. */
export const packageDefaults = (): Promise<Packaged> => slsPackage('dev');

/** Every function and option, stage ci. */
export const packageFull = (): Promise<Packaged> =>
  slsPackage(
    'ci',
    paramsWith({
      region: 'eu-west-1',
      logRetentionDays: 7,
      subscribeLogGroupNames: ['/aws/lambda/orders-api', '/ecs/payments'],
      subscribeLogGroupPrefixes: ['/aws/lambda/shop-'],
      filterPattern: '?"_aws" ?"REPORT RequestId:"',
      subscribeNewLogGroups: true,
      streamMode: 'PROVISIONED',
      streamShardCount: 3,
      streamRetentionHours: 48,
      streamKmsKeyArn: STREAM_KEY,
      forwarderAsyncRetries: 1,
      forwarderAsyncMaxEventAgeSeconds: 3600,
      forwarderParkedEventDays: 3,
      forwarderReservedConcurrency: 20,
      prometheusReservedConcurrency: 5,
      batchSize: 250,
      batchWindowSeconds: 7,
      startingPosition: 'TRIM_HORIZON',
      maximumRetryAttempts: 4,
      maximumRecordAgeSeconds: 7200,
      parallelizationFactor: 2,
      prometheusEnabled: true,
      prometheusEnhancedFanOut: true,
      prometheusKmsKeyArn: PROM_KEY,
      prometheusEnvironment: {
        PROM_RW_URL: 'https://prom.example.com/api/v1/write',
        PROM_RW_AUTH: 'bearer',
        PROM_RW_BEARER_TOKEN_REF: 'ssm:/emf-fanout/prom-token',
        PROM_RW_HEADERS_REF: 'secretsmanager:emf-fanout/prom-headers#headers',
      },
      datadogEnabled: true,
      datadogEnvironment: { DD_SITE: 'datadoghq.eu', DD_API_KEY_REF: DD_API_KEY_REF, DD_MODE: 'series' },
      statsdEnabled: true,
      statsdEnvironment: { STATSD_HOST: '127.0.0.1', DD_API_KEY_SECRET_ARN: DD_API_KEY_SECRET },
      statsdLayers: [DATADOG_EXTENSION],
      exampleHttpEnabled: true,
      exampleHttpEnvironment: { EXAMPLE_HTTP_URL: 'https://metrics.example.com/ingest' },
      metricsScraperEnabled: true,
      metricsScraperMetrics: [SCRAPER_SELECTION],
      alarmTopicArn: TOPIC,
      alarmIteratorAgeMs: 60000,
      alarmErrorsThreshold: 3,
      alarmRejectedDocumentsThreshold: 250,
      alarmDataDroppedThreshold: 2,
    }),
  );

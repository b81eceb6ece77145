/**
 * The dashboard builder (infra/serverless/dashboard.ts): the body CloudWatch receives after
 * CloudFormation's substitution is valid JSON under the 1 MB limit, its pipeline metrics are the ones
 * the functions publish (shared/pipeline/names.ts), and only the enabled consumers appear.
 */
import { describe, expect, it } from 'vitest';
import type { ConsumerIds } from '../../../infra/serverless/consumers.ts';
import { DASHBOARD_BODY_MAX_BYTES, dashboardResource } from '../../../infra/serverless/dashboard.ts';
import { CONSUMER_METRICS, FORWARDER_METRICS, PIPELINE_DIMENSION, PIPELINE_NAMESPACE, SCRAPER_METRICS } from '../../../shared/pipeline/names.ts';
import { bodyText, metricsOf, widgetsOf, type DashboardMetric } from './dashboardBody.ts';

const consumer = (functionKey: string, id: string): ConsumerIds => ({ functionKey, fn: `${id}LambdaFunction`, queue: `${id}FailureQueue` });
const spec = (consumers: ConsumerIds[], scraper?: { fn: string; queue: string }) => ({
  name: 'emf-fanout-dev', forwarder: { fn: 'ForwarderLambdaFunction', bucket: 'ForwarderParkingBucket' }, stream: 'EmfStream', consumers, ...(scraper && { scraper }),
});

/** Fills in the references as CloudFormation would: a name per logical ID (64 characters, Lambda's longest), the Region. */
function render(consumers: ConsumerIds[], scraper?: { fn: string; queue: string }) {
  const r = dashboardResource(spec(consumers, scraper)) as { Type: string; Properties: { DashboardName: string; DashboardBody: unknown } };
  const value = (x: { Ref: string } | { 'Fn::GetAtt': [string, string] }) => {
    if ('Ref' in x) return x.Ref === 'AWS::Region' ? 'eu-west-1' : `name-of-${x.Ref}`.padEnd(64, 'x');
    return `${x['Fn::GetAtt'][1]}-of-${x['Fn::GetAtt'][0]}`;
  };
  const text = bodyText(r.Properties.DashboardBody, value);
  return { resource: r, text, widgets: widgetsOf(text), metrics: widgetsOf(text).flatMap(metricsOf) };
}

const fnName = (id: string) => `name-of-${id}`.padEnd(64, 'x');
const pipelineNames = (ms: DashboardMetric[], fnId: string) =>
  new Set(ms.filter((m) => m.namespace === PIPELINE_NAMESPACE && m.dimensions[PIPELINE_DIMENSION] === fnName(fnId)).map((m) => m.name));

describe('the dashboard', () => {
  it('is a CloudWatch dashboard named after the stage, whose body is JSON once substituted, with every widget in the Region and on the grid', () => {
    const { resource, widgets } = render([consumer('statsd', 'Statsd')]);
    expect(resource.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(resource.Properties.DashboardName).toBe('emf-fanout-dev');
    for (const w of widgets) {
      expect(w.type).toBe('metric');
      expect(w.properties.region).toBe('eu-west-1');
      expect(w.x + w.width).toBeLessThanOrEqual(24);
    }
    // No two widgets on the same place.
    expect(new Set(widgets.map((w) => `${w.x},${w.y}`)).size).toBe(widgets.length);
  });

  it('shows the forwarder\'s log events and documents, and each consumer\'s data and lag, by the names the functions publish', () => {
    const { metrics } = render([consumer('prometheus', 'Prometheus'), consumer('example-http', 'ExampleDashhttp')]);
    expect(pipelineNames(metrics, 'ForwarderLambdaFunction')).toEqual(
      new Set([FORWARDER_METRICS.logEvents, FORWARDER_METRICS.documentsForwarded, FORWARDER_METRICS.documentsRejected]),
    );
    for (const id of ['Prometheus', 'ExampleDashhttp']) {
      expect(pipelineNames(metrics, `${id}LambdaFunction`)).toEqual(
        new Set([CONSUMER_METRICS.dataDelivered, CONSUMER_METRICS.dataDropped, CONSUMER_METRICS.duplicateDocuments, CONSUMER_METRICS.recordsRedelivered, CONSUMER_METRICS.lag]),
      );
      const lag = metrics.filter((m) => m.name === CONSUMER_METRICS.lag && m.dimensions[PIPELINE_DIMENSION] === fnName(`${id}LambdaFunction`));
      expect(lag.map((m) => m.options.stat)).toEqual(['p50', 'p99', 'Maximum']);
    }
    // Every pipeline metric has exactly the one dimension the functions publish.
    for (const m of metrics.filter((x) => x.namespace === PIPELINE_NAMESPACE)) expect(Object.keys(m.dimensions)).toEqual([PIPELINE_DIMENSION]);
  });

  it('shows the Lambda, Kinesis, SQS and S3 metrics that say whether data flows, per function, consumer, queue and stream', () => {
    const { metrics } = render([consumer('statsd', 'Statsd')]);
    const has = (namespace: string, name: string, dimensions: Record<string, string>) =>
      metrics.some((m) => m.namespace === namespace && m.name === name && JSON.stringify(m.dimensions) === JSON.stringify(dimensions));
    for (const id of ['ForwarderLambdaFunction', 'StatsdLambdaFunction']) {
      for (const name of ['Errors', 'Throttles', 'Duration', 'ConcurrentExecutions']) expect(has('AWS/Lambda', name, { FunctionName: fnName(id) }), `${name} ${id}`).toBe(true);
    }
    expect(has('AWS/Lambda', 'IteratorAge', { FunctionName: fnName('StatsdLambdaFunction') })).toBe(true);
    expect(has('AWS/Lambda', 'IteratorAge', { FunctionName: fnName('ForwarderLambdaFunction') })).toBe(false);
    for (const name of ['IncomingRecords', 'IncomingBytes', 'WriteProvisionedThroughputExceeded', 'GetRecords.IteratorAgeMilliseconds']) {
      expect(has('AWS/Kinesis', name, { StreamName: fnName('EmfStream') }), name).toBe(true);
    }
    expect(has('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: 'QueueName-of-StatsdFailureQueue' })).toBe(true);
    expect(has('AWS/Lambda', 'AsyncEventsDropped', { FunctionName: fnName('ForwarderLambdaFunction') })).toBe(true);
    expect(has('AWS/Lambda', 'DestinationDeliveryFailures', { FunctionName: fnName('ForwarderLambdaFunction') })).toBe(true);
    expect(has('AWS/S3', 'NumberOfObjects', { BucketName: fnName('ForwarderParkingBucket'), StorageType: 'AllStorageTypes' })).toBe(true);
  });

  it('shows only the consumers it is given: none, then one', () => {
    const none = render([]);
    const functions = new Set(none.metrics.flatMap((m) => (m.dimensions.FunctionName ? [m.dimensions.FunctionName] : [])));
    expect(functions).toEqual(new Set([fnName('ForwarderLambdaFunction')]));
    expect(none.metrics.filter((m) => m.namespace === 'AWS/SQS' || m.name === 'IteratorAge')).toEqual([]);
    const one = render([consumer('statsd', 'Statsd')]);
    expect(new Set(one.metrics.flatMap((m) => (m.dimensions.FunctionName ? [m.dimensions.FunctionName] : [])))).toEqual(
      new Set([fnName('ForwarderLambdaFunction'), fnName('StatsdLambdaFunction')]),
    );
  });

  it('stays under CloudWatch\'s 1 MB body limit with far more consumers than anyone deploys', () => {
    const many = Array.from({ length: 50 }, (_, i) => consumer(`consumer-${i}`, `Consumer${i}`));
    const { text, widgets } = render(many);
    expect(Buffer.byteLength(text)).toBeLessThan(DASHBOARD_BODY_MAX_BYTES);
    expect(widgets.filter((w) => w.properties.title.endsWith(': data'))).toHaveLength(50);
  });

  it('shows the metrics scraper, when it is on: its bill (metrics requested), its documents, its failed runs and its Lambda metrics', () => {
    expect(render([]).metrics.filter((m) => m.dimensions.FunctionName === fnName('MetricsDashscraperLambdaFunction'))).toEqual([]);
    const on = render([], { fn: 'MetricsDashscraperLambdaFunction', queue: 'MetricsDashscraperFailureQueue' });
    expect(pipelineNames(on.metrics, 'MetricsDashscraperLambdaFunction')).toEqual(
      new Set([SCRAPER_METRICS.metrics, SCRAPER_METRICS.queries, SCRAPER_METRICS.metricsSkipped, SCRAPER_METRICS.queriesFailed, SCRAPER_METRICS.documentsWritten, SCRAPER_METRICS.retries]),
    );
    expect(on.metrics.some((m) => m.namespace === 'AWS/SQS' && m.dimensions.QueueName === 'QueueName-of-MetricsDashscraperFailureQueue')).toBe(true);
    expect(on.metrics.filter((m) => m.namespace === 'AWS/Lambda' && m.dimensions.FunctionName === fnName('MetricsDashscraperLambdaFunction')).map((m) => m.name).sort()).toEqual(
      ['ConcurrentExecutions', 'Duration', 'Errors', 'Throttles'],
    );
  });
});

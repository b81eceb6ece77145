/**
 * The pipeline's CloudWatch dashboard (docs/deploy.md#dashboard): the pipeline metrics the functions
 * publish (names and namespace from shared/pipeline/names.ts, dimension `FunctionName` = the function's
 * name), beside the Lambda, Kinesis, SQS and S3 metrics that say whether data flows. Only the enabled
 * consumers appear.
 *
 * `DashboardBody` is a JSON string; the names CloudFormation knows only at deploy time (functions,
 * queues, the stream, the bucket, the Region) are joined into it with `Fn::Join`. They are Lambda, SQS,
 * Kinesis and S3 names and a Region, none of which holds a character JSON would escape.
 */
import { CONSUMER_METRICS, FORWARDER_METRICS, PIPELINE_DIMENSION, PIPELINE_NAMESPACE, SCRAPER_METRICS } from '../../shared/pipeline/names.ts';
import type { ConsumerIds } from './consumers.ts';
import { type Cfn, getAtt, ref } from './iam.ts';

export const DASHBOARD_ID = 'PipelineDashboard';

/** CloudWatch's limit on a dashboard body (PutDashboard: "Maximum size of 1 MB"). */
export const DASHBOARD_BODY_MAX_BYTES = 1_048_576;

export interface DashboardSpec {
  /** `<service>-<stage>`. */
  name: string;
  forwarder: { fn: string; bucket: string };
  stream: string;
  consumers: readonly ConsumerIds[];
  /** The metrics scraper's function and failure queue, when it is on. */
  scraper?: { fn: string; queue: string };
}

type Metric = [string, string, ...(string | Record<string, unknown>)[]];

/** Collects the dynamic values of a body as placeholders, then cuts the JSON text at them for `Fn::Join`. */
class Placeholders {
  private readonly values: Cfn[] = [];
  /** @param v a value CloudFormation fills in (a `Ref` or an `Fn::GetAtt`) */
  put(v: Cfn): string {
    this.values.push(v);
    return `@@cfn${this.values.length - 1}@@`;
  }
  join(text: string): Cfn {
    const parts: Cfn[] = [];
    text.split(/@@cfn(\d+)@@/).forEach((piece, i) => {
      if (i % 2 === 1) parts.push(this.values[Number(piece)]);
      else if (piece !== '') parts.push(piece);
    });
    return { 'Fn::Join': ['', parts] };
  }
}

const WIDTH = 12;
const HEIGHT = 6;

export function dashboardResource(spec: DashboardSpec): Cfn {
  const h = new Placeholders();
  const region = h.put(ref('AWS::Region'));
  const fwd = h.put(ref(spec.forwarder.fn));
  const consumers = spec.consumers.map((c) => ({ key: c.functionKey, fn: h.put(ref(c.fn)), queue: h.put(getAtt(c.queue, 'QueueName')) }));
  const scraper = spec.scraper && { key: 'metrics-scraper', fn: h.put(ref(spec.scraper.fn)), queue: h.put(getAtt(spec.scraper.queue, 'QueueName')) };
  const functions = [{ key: 'forwarder', fn: fwd }, ...consumers, ...(scraper ? [scraper] : [])];
  const stream = h.put(ref(spec.stream));
  const bucket = h.put(ref(spec.forwarder.bucket));

  const lambda = (metric: string, stat: string): Metric[] => functions.map((f) => ['AWS/Lambda', metric, 'FunctionName', f.fn, { stat, label: f.key }]);
  const pipeline = (fn: string, names: readonly string[]): Metric[] => names.map((n) => [PIPELINE_NAMESPACE, n, PIPELINE_DIMENSION, fn, { stat: 'Sum', label: n }]);
  const widgets: [string, Metric[]][] = [
    ['Forwarder: log events and documents', pipeline(fwd, [FORWARDER_METRICS.logEvents, FORWARDER_METRICS.documentsForwarded, FORWARDER_METRICS.documentsRejected])],
    [
      'Forwarder: events parked (and lost) after every retry',
      [
        ['AWS/Lambda', 'AsyncEventsDropped', 'FunctionName', fwd, { stat: 'Sum', label: 'parked' }],
        ['AWS/Lambda', 'DestinationDeliveryFailures', 'FunctionName', fwd, { stat: 'Sum', label: 'could not be parked (lost)' }],
        // S3 storage metrics: once a day.
        ['AWS/S3', 'NumberOfObjects', 'BucketName', bucket, 'StorageType', 'AllStorageTypes', { stat: 'Average', period: 86_400, label: 'in the bucket (daily)', yAxis: 'right' }],
      ],
    ],
    ['Lambda: errors', lambda('Errors', 'Sum')],
    ['Lambda: throttles', lambda('Throttles', 'Sum')],
    ['Lambda: duration p99 (ms)', lambda('Duration', 'p99')],
    ['Lambda: concurrent executions', lambda('ConcurrentExecutions', 'Maximum')],
    [
      'Stream: incoming',
      [
        ['AWS/Kinesis', 'IncomingRecords', 'StreamName', stream, { stat: 'Sum' }],
        ['AWS/Kinesis', 'IncomingBytes', 'StreamName', stream, { stat: 'Sum', yAxis: 'right' }],
      ],
    ],
    [
      'Stream: write throttling and read age',
      [
        ['AWS/Kinesis', 'WriteProvisionedThroughputExceeded', 'StreamName', stream, { stat: 'Sum' }],
        ['AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', 'StreamName', stream, { stat: 'Maximum', yAxis: 'right' }],
      ],
    ],
  ];
  if (consumers.length > 0) {
    widgets.push(
      ['Consumers: iterator age (ms)', consumers.map((c) => ['AWS/Lambda', 'IteratorAge', 'FunctionName', c.fn, { stat: 'Maximum', label: c.key }])],
      ['Consumers: failed batches waiting in the failure queue', consumers.map((c) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', c.queue, { stat: 'Maximum', label: c.key }])],
      [
        'Consumers: lag, log event to delivery (ms)',
        consumers.flatMap((c): Metric[] =>
          (['p50', 'p99', 'Maximum'] as const).map((stat) => [PIPELINE_NAMESPACE, CONSUMER_METRICS.lag, PIPELINE_DIMENSION, c.fn, { stat, label: `${c.key} ${stat}` }]),
        ),
      ],
      ...consumers.map((c): [string, Metric[]] => [
        `${c.key}: data`,
        pipeline(c.fn, [CONSUMER_METRICS.dataDelivered, CONSUMER_METRICS.dataDropped, CONSUMER_METRICS.duplicateDocuments, CONSUMER_METRICS.recordsRedelivered]),
      ]),
    );
  }
  if (scraper) {
    widgets.push(
      // What CloudWatch bills the scraper for (metrics requested), beside what it read and what it could not.
      ['Metrics scraper: metrics read, requested (billed) and skipped', pipeline(scraper.fn, [SCRAPER_METRICS.metrics, SCRAPER_METRICS.queries, SCRAPER_METRICS.metricsSkipped, SCRAPER_METRICS.queriesFailed])],
      [
        'Metrics scraper: documents written, failed runs waiting',
        [
          ...pipeline(scraper.fn, [SCRAPER_METRICS.documentsWritten, SCRAPER_METRICS.retries]),
          ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', scraper.queue, { stat: 'Maximum', label: 'failed runs in the failure queue', yAxis: 'right' }],
        ],
      ],
    );
  }
  const body = {
    widgets: widgets.map(([title, metrics], i) => ({
      type: 'metric',
      x: (i % 2) * WIDTH,
      y: Math.floor(i / 2) * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      properties: { title, region, view: 'timeSeries', stacked: false, period: 300, metrics },
    })),
  };
  return { Type: 'AWS::CloudWatch::Dashboard', Properties: { DashboardName: spec.name, DashboardBody: h.join(JSON.stringify(body)) } };
}

/**
 * CloudWatch alarms for generated functions. Every alarm notifies `alarmTopicArn` when it is
 * set (condition `HasAlarmTopic`, defined in infra/resources/stream.yml) and treats missing
 * data as fine: an idle pipeline is not a broken one.
 */
import { CONSUMER_METRICS, FORWARDER_METRICS, PIPELINE_DIMENSION, PIPELINE_NAMESPACE } from '../../shared/pipeline/names.ts';
import { type Cfn, getAtt, ref } from './iam.ts';

interface AlarmSpec {
  description: string;
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: Cfn }[];
  statistic: 'Sum' | 'Maximum';
  threshold: number;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
}

function alarm(spec: AlarmSpec, topicArn: string): Cfn {
  const actions = { 'Fn::If': ['HasAlarmTopic', [topicArn], { Ref: 'AWS::NoValue' }] };
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: spec.description,
      Namespace: spec.namespace,
      MetricName: spec.metricName,
      Dimensions: spec.dimensions,
      Statistic: spec.statistic,
      Period: 300,
      EvaluationPeriods: spec.evaluationPeriods ?? 1,
      ...(spec.datapointsToAlarm ? { DatapointsToAlarm: spec.datapointsToAlarm } : {}),
      Threshold: spec.threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: actions,
      OKActions: actions,
    },
  };
}

/** Function errors per 5 minutes. */
export function errorsAlarm(label: string, functionLogicalId: string, threshold: number, topicArn: string): Cfn {
  return alarm(
    {
      description: `${label} - function errors`,
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: [{ Name: 'FunctionName', Value: ref(functionLogicalId) }],
      statistic: 'Sum',
      threshold,
    },
    topicArn,
  );
}

/** Age of the last record read, for stream consumers: they fall behind the stream's tip. */
export function iteratorAgeAlarm(label: string, functionLogicalId: string, thresholdMs: number, topicArn: string): Cfn {
  return alarm(
    {
      description: `${label} - consumer is falling behind the stream (iterator age)`,
      namespace: 'AWS/Lambda',
      metricName: 'IteratorAge',
      dimensions: [{ Name: 'FunctionName', Value: ref(functionLogicalId) }],
      statistic: 'Maximum',
      threshold: thresholdMs,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    },
    topicArn,
  );
}

/** Messages waiting in a failure (dead-letter) queue. */
export function queueDepthAlarm(label: string, queueLogicalId: string, topicArn: string): Cfn {
  return alarm(
    {
      description: `${label} - failures are waiting in the failure queue`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: [{ Name: 'QueueName', Value: getAtt(queueLogicalId, 'QueueName') }],
      statistic: 'Maximum',
      threshold: 1,
    },
    topicArn,
  );
}

/**
 * Data a consumer lost (`DataDropped`, the pipeline metric every consumer publishes per invocation:
 * shared/pipeline/names.ts), summed per 5 minutes. Default threshold 1: a datum dropped is a metric
 * a provider never gets.
 */
export function dataDroppedAlarm(label: string, functionLogicalId: string, threshold: number, topicArn: string): Cfn {
  return alarm(
    {
      description: `${label} - data dropped (never delivered to the provider; reasons in the consumer batch log line)`,
      namespace: PIPELINE_NAMESPACE,
      metricName: CONSUMER_METRICS.dataDropped,
      dimensions: [{ Name: PIPELINE_DIMENSION, Value: ref(functionLogicalId) }],
      statistic: 'Sum',
      threshold,
    },
    topicArn,
  );
}

export interface ForwarderAlarmSettings {
  functionLogicalId: string;
  /** `DocumentsRejected` per 5 minutes that is a spike (param alarmRejectedDocumentsThreshold). */
  rejectedThreshold: number;
  topicArn: string;
}

/**
 * The forwarder's generated alarms (the rest are in infra/resources/forwarder.yml):
 * - a spike of rejected documents (`DocumentsRejected`, a pipeline metric);
 * - an event parked: `AsyncEventsDropped`, which counts the events that failed every retry or
 *   outlived the maximum event age, each sent to the on-failure destination before it is dropped
 *   (docs/deploy.md#alarms);
 * - an event that could not even be parked (`DestinationDeliveryFailures`): it is lost.
 */
export function forwarderAlarms(label: string, s: ForwarderAlarmSettings): Record<string, Cfn> {
  const fn = [{ Name: 'FunctionName', Value: ref(s.functionLogicalId) }];
  return {
    ForwarderRejectedDocumentsAlarm: alarm(
      {
        description: `${label} - a spike of rejected EMF documents (reasons in the forwarder batch log line)`,
        namespace: PIPELINE_NAMESPACE,
        metricName: FORWARDER_METRICS.documentsRejected,
        dimensions: [{ Name: PIPELINE_DIMENSION, Value: ref(s.functionLogicalId) }],
        statistic: 'Sum',
        threshold: s.rejectedThreshold,
      },
      s.topicArn,
    ),
    ForwarderEventsParkedAlarm: alarm(
      {
        description: `${label} - CloudWatch Logs events failed every retry and were parked in the parking bucket (replay them: npm run replay)`,
        namespace: 'AWS/Lambda',
        metricName: 'AsyncEventsDropped',
        dimensions: fn,
        statistic: 'Sum',
        threshold: 1,
      },
      s.topicArn,
    ),
    ForwarderParkingFailedAlarm: alarm(
      {
        description: `${label} - failed CloudWatch Logs events could not be parked and are LOST (DestinationDeliveryFailures)`,
        namespace: 'AWS/Lambda',
        metricName: 'DestinationDeliveryFailures',
        dimensions: fn,
        statistic: 'Sum',
        threshold: 1,
      },
      s.topicArn,
    ),
  };
}

/**
 * CloudWatch alarms for generated functions. Every alarm notifies `alarmTopicArn` when it is
 * set (condition `HasAlarmTopic`, defined in infra/resources/stream.yml) and treats missing
 * data as fine: an idle pipeline is not a broken one.
 */
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

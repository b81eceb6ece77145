/**
 * The generated alarms (infra/serverless/alarms.ts): the forwarder's reject spike, parked and lost
 * events, and a consumer's dropped data. Each reads the metric the functions or Lambda publish,
 * notifies the topic when one is set, and treats missing data as fine.
 */
import { describe, expect, it } from 'vitest';
import { dataDroppedAlarm, forwarderAlarms } from '../../../infra/serverless/alarms.ts';
import { CONSUMER_METRICS, FORWARDER_METRICS, PIPELINE_DIMENSION, PIPELINE_NAMESPACE } from '../../../shared/pipeline/names.ts';

type Alarm = { Type: string; Properties: Record<string, unknown> };
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:alerts';
const actions = { 'Fn::If': ['HasAlarmTopic', [TOPIC], { Ref: 'AWS::NoValue' }] };
const common = { Period: 300, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', AlarmActions: actions, OKActions: actions };

describe('forwarder alarms', () => {
  const alarms = forwarderAlarms('emf-fanout dev forwarder', { functionLogicalId: 'ForwarderLambdaFunction', rejectedThreshold: 100, topicArn: TOPIC }) as Record<string, Alarm>;

  it('are three: rejected documents, parked events, events that could not be parked', () => {
    expect(Object.keys(alarms)).toEqual(['ForwarderRejectedDocumentsAlarm', 'ForwarderEventsParkedAlarm', 'ForwarderParkingFailedAlarm']);
    for (const a of Object.values(alarms)) expect(a.Type).toBe('AWS::CloudWatch::Alarm');
  });

  it('alarm on a spike of DocumentsRejected, summed per 5 minutes, at the threshold given', () => {
    expect(alarms.ForwarderRejectedDocumentsAlarm!.Properties).toMatchObject({
      ...common,
      Namespace: PIPELINE_NAMESPACE,
      MetricName: FORWARDER_METRICS.documentsRejected,
      Dimensions: [{ Name: PIPELINE_DIMENSION, Value: { Ref: 'ForwarderLambdaFunction' } }],
      Statistic: 'Sum',
      Threshold: 100,
    });
  });

  it('alarm on the first event parked (AsyncEventsDropped) and the first one lost (DestinationDeliveryFailures)', () => {
    for (const [id, metric] of [
      ['ForwarderEventsParkedAlarm', 'AsyncEventsDropped'],
      ['ForwarderParkingFailedAlarm', 'DestinationDeliveryFailures'],
    ] as const) {
      expect(alarms[id]!.Properties).toMatchObject({
        ...common,
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'ForwarderLambdaFunction' } }],
        Statistic: 'Sum',
        Threshold: 1,
      });
    }
    expect(String(alarms.ForwarderParkingFailedAlarm!.Properties.AlarmDescription)).toContain('LOST');
  });
});

describe('dropped data', () => {
  it("alarms on the consumer's DataDropped, summed per 5 minutes, at the threshold given", () => {
    const a = dataDroppedAlarm('emf-fanout dev statsd', 'StatsdLambdaFunction', 7, TOPIC) as Alarm;
    expect(a.Properties).toMatchObject({
      ...common,
      Namespace: PIPELINE_NAMESPACE,
      MetricName: CONSUMER_METRICS.dataDropped,
      Dimensions: [{ Name: PIPELINE_DIMENSION, Value: { Ref: 'StatsdLambdaFunction' } }],
      Statistic: 'Sum',
      Threshold: 7,
    });
  });
});

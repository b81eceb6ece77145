/**
 * What the operator who runs `npm run replay` may do, as a managed policy in the stack, attached to
 * nothing (docs/deploy.md#operator-policy-for-replay): the operator attaches it to their own user or
 * role. No function gets any of these permissions; the package tests check both.
 *
 * - the forwarder's asynchronous-invocation settings (where its failed events are parked), the
 *   functions' configuration (a consumer's role), and the consumers' event source mappings (where their
 *   failed batches are recorded);
 * - invoking the forwarder and the consumers, to hand them the events again;
 * - listing, reading and removing the parked events, under the forwarder's own prefix only;
 * - receiving and deleting the consumers' failed-batch records in their failure queues;
 * - reading the stream the failed batches point into (and decrypting it with a customer key).
 */
import type { ConsumerIds } from './consumers.ts';
import { FORWARDER_IDS, parkedEventsPrefix } from './forwarder.ts';
import { type Cfn, getAtt, type Statement, sub } from './iam.ts';

export const OPERATOR_POLICY_ID = 'ReplayOperatorPolicy';

export interface OperatorPolicySpec {
  service: string;
  stage: string;
  consumers: readonly ConsumerIds[];
  /** The stream's customer managed key ('' = the AWS managed key, which needs no permission). */
  streamKmsKeyArn: string;
}

export function operatorPolicyResource(s: OperatorPolicySpec): Cfn {
  const prefix = parkedEventsPrefix(s.service, s.stage);
  const bucket = getAtt(FORWARDER_IDS.bucket, 'Arn');
  const forwarder = getAtt(FORWARDER_IDS.fn, 'Arn');
  const statements: Statement[] = [
    {
      Sid: 'ReadForwarderFailureSettings',
      Effect: 'Allow',
      Action: 'lambda:GetFunctionEventInvokeConfig',
      // The unqualified name and $LATEST, the only version this stack has.
      Resource: [forwarder, { 'Fn::Join': ['', [forwarder, ':$LATEST']] }],
    },
    // Every function of the stage by name, deployed or not: the tool reads a consumer's role, and tells a
    // consumer the stage does not deploy (no such function) from one it may not read.
    {
      Sid: 'ReadPipelineFunctions',
      Effect: 'Allow',
      Action: 'lambda:GetFunctionConfiguration',
      Resource: sub(`arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${s.service}-${s.stage}-*`),
    },
    // ListEventSourceMappings takes no resource: IAM can only allow it on "*".
    { Sid: 'FindEventSourceMappings', Effect: 'Allow', Action: 'lambda:ListEventSourceMappings', Resource: '*' },
    { Sid: 'InvokePipeline', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [forwarder, ...s.consumers.map((c) => getAtt(c.fn, 'Arn'))] },
    // Listing is allowed only with a prefix under the forwarder's (`s3:prefix`).
    { Sid: 'ListParkedEvents', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket, Condition: { StringLike: { 's3:prefix': `${prefix}*` } } },
    { Sid: 'ReadAndRemoveParkedEvents', Effect: 'Allow', Action: ['s3:GetObject', 's3:DeleteObject'], Resource: { 'Fn::Join': ['', [bucket, `/${prefix}*`]] } },
    ...(s.consumers.length > 0
      ? [
          {
            Sid: 'ReadFailedBatches',
            Effect: 'Allow' as const,
            Action: ['sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
            Resource: s.consumers.map((c) => getAtt(c.queue, 'Arn')),
          },
        ]
      : []),
    {
      Sid: 'ReadStream',
      Effect: 'Allow',
      Action: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'],
      Resource: getAtt('EmfStream', 'Arn'),
    },
    ...(s.streamKmsKeyArn !== '' ? [{ Sid: 'DecryptStream', Effect: 'Allow' as const, Action: 'kms:Decrypt', Resource: s.streamKmsKeyArn }] : []),
  ];
  return {
    Type: 'AWS::IAM::ManagedPolicy',
    Properties: {
      Description: `emf-fanout ${s.stage}: what the operator running npm run replay needs (attach it to your own user or role; no function has it)`,
      PolicyDocument: { Version: '2012-10-17', Statement: statements },
    },
  };
}

/**
 * Finds where this stage's functions park their failures, from Lambda's own configuration: the forwarder's
 * asynchronous on-failure destination (an S3 bucket) and each consumer's event source mapping destination (an
 * SQS queue). Names follow the deployment: `<service>-<stage>-<function>` (shared/subscriptions/naming.ts).
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { pipelineNames } from '../../shared/subscriptions/naming.ts';
import type { ReplayArgs } from './args.ts';
import { ConsumerSource } from './ConsumerSource.ts';
import { ForwarderSource } from './ForwarderSource.ts';
import type { Source } from './items.ts';
import { consumerMappings, forwarderBucket, roleOf } from './lambdaApi.ts';
import type { ShardReader } from './ShardReader.ts';
import type { SourceLine } from './table.ts';

export interface ReplayClients {
  s3: S3Client;
  sqs: SQSClient;
  lambda: LambdaClient;
  kinesis: KinesisClient;
}

/** A source could not be set up: the run stops with exit code 1 and this message. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
}

export interface Found {
  /** Each source with its line of the plan header (where it parks, what the filters left out). */
  sources: { source: Source; line: SourceLine }[];
  /** Every line, sources' and those with nothing to read (a consumer not deployed). */
  lines: SourceLine[];
}

function add(found: Found, source: Source, where: string): void {
  const line = { name: source.name, where, notSelected: new Map<string, number>() };
  found.sources.push({ source, line });
  found.lines.push(line);
}

export async function findSources(
  args: ReplayArgs,
  opts: { service: string; knownConsumers: readonly string[]; clients: ReplayClients; reader: ShardReader; sqsWaitSeconds?: number },
): Promise<Found> {
  const { clients, service } = opts;
  const names = pipelineNames(service, args.stage);
  const all = !args.forwarder && args.consumers.length === 0;
  const found: Found = { sources: [], lines: [] };
  if (all || args.forwarder) {
    const functionName = names.forwarderFunctionName;
    const r = await forwarderBucket(clients.lambda, functionName);
    if (r.bucket === undefined) throw new SourceError(r.problem ?? `${functionName}: no on-failure bucket`);
    add(found, new ForwarderSource({ s3: clients.s3, lambda: clients.lambda, bucket: r.bucket, functionName }), `s3://${r.bucket}/aws/lambda/async/${functionName}/`);
  }
  for (const name of all ? opts.knownConsumers : args.consumers) {
    // Serverless Framework's function name, as for the forwarder: `<service>-<stage>-<function key>`.
    const functionName = `${service}-${args.stage}-${name}`;
    const roleArn = await roleOf(clients.lambda, functionName);
    if (roleArn === undefined) {
      if (!all) throw new SourceError(`consumer ${name} is not deployed in stage ${args.stage} (no function ${functionName}): check --stage, --region and ${name}'s Enabled param`);
      found.lines.push({ name, where: 'not deployed in this stage', notSelected: new Map() });
      continue;
    }
    const mappings = await consumerMappings(clients.lambda, functionName);
    if (mappings.length === 0) found.lines.push({ name, where: `${functionName} has no event source mapping with an SQS on-failure destination`, notSelected: new Map() });
    for (const m of mappings) {
      const [, , , , account = '', queueName = ''] = m.queueArn.split(':');
      const queueUrl = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queueName, QueueOwnerAWSAccountId: account }))).QueueUrl ?? '';
      const source = new ConsumerSource({
        name, sqs: clients.sqs, lambda: clients.lambda, reader: opts.reader, queueUrl, functionName, roleArn,
        visibilityTimeout: args.visibilityTimeout, dropExpired: args.dropExpired,
        ...(opts.sqsWaitSeconds !== undefined ? { waitSeconds: opts.sqsWaitSeconds } : {}),
      });
      add(found, source, queueUrl);
    }
  }
  return found;
}

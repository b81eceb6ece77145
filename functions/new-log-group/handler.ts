import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { createLogsApi } from '../../shared/subscriptions/logsApi.ts';
import { DEFAULT_BACKOFF } from '../../shared/subscriptions/retry.ts';
import { createLambdaLogger } from '../../shared/log/lambdaLogger.ts';
import { loadNewLogGroupConfig, type NewLogGroupConfig } from './config.ts';
import { handleCustomResource, isCustomResourceEvent } from './customResource.ts';
import { type CreateLogGroupEvent, handleCreateLogGroup } from './subscribeNew.ts';

const logger = createLambdaLogger({ base: { fn: 'new-log-group' } });
const client = new CloudWatchLogsClient({});

// Cold start: the configuration is validated here, naming the variable. The error is logged
// and rethrown by the first CreateLogGroup event rather than thrown here, because a
// custom resource request (which reads its settings from its properties) must always get
// its answer: a failed init would leave CloudFormation waiting until the resource times out.
let config: NewLogGroupConfig | undefined;
let configError: unknown;
try {
  config = loadNewLogGroupConfig(process.env);
} catch (error) {
  configError = error;
  logger.error('invalid configuration', { reason: 'config_invalid', error });
}

/** One event at a time: a short, gentle backoff keeps a retried EventBridge event cheap. */
const eventApi = createLogsApi(client, { retries: 5, minTimeoutMs: 200, maxTimeoutMs: 5_000 });
/** A deployment may touch thousands of log groups: the subscription tool's patience. */
const deployApi = createLogsApi(client, DEFAULT_BACKOFF);

/**
 * Two callers: EventBridge (CloudTrail `CreateLogGroup`: subscribe one new log group) and
 * CloudFormation (`Custom::EmfFanoutSubscriptions`: subscribe the existing log groups the
 * deploy-time selection picks).
 */
export const handler = async (event: CreateLogGroupEvent | CloudFormationCustomResourceEvent, context: Context): Promise<{ outcome: string }> => {
  logger.setContext?.(context);
  if (isCustomResourceEvent(event)) {
    const response = await handleCustomResource(event, context, { api: deployApi, logger, concurrency: 4 });
    return { outcome: response.Status };
  }
  if (config === undefined) throw configError;
  return { outcome: await handleCreateLogGroup(event, { api: eventApi, config, logger }) };
};

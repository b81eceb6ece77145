import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { createLogsApi } from '../../infra/subscribe/logsApi.ts';
import { createLogger } from '../../shared/log/logger.ts';
import { loadNewLogGroupConfig } from './config.ts';
import { type CreateLogGroupEvent, handleCreateLogGroup } from './subscribeNew.ts';

// Cold start: a bad configuration fails here, naming the variable.
const config = loadNewLogGroupConfig(process.env);
const api = createLogsApi(new CloudWatchLogsClient({}), { retries: 5, minTimeoutMs: 200, maxTimeoutMs: 5_000 });
const logger = createLogger({ base: { fn: 'new-log-group' } });

/** EventBridge target for CloudTrail `CreateLogGroup` events. */
export const handler = async (event: CreateLogGroupEvent): Promise<{ outcome: string }> => ({
  outcome: await handleCreateLogGroup(event, { api, config, logger }),
});

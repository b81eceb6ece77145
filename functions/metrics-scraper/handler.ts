import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { Context } from 'aws-lambda';
import { createKinesisClient } from '../../shared/kinesis/client.ts';
import { createLambdaLogger } from '../../shared/log/lambdaLogger.ts';
import { stdoutSink } from '../../shared/pipeline/PipelineMetricsPublisher.ts';
import { createLogsApi } from '../../shared/subscriptions/logsApi.ts';
import { needsTags } from '../../shared/subscriptions/selection.ts';
import { loadScraperConfig } from './config.ts';
import { createScraperHandler, type ScheduledEvent } from './scraper.ts';

// Cold start: a bad configuration fails here, naming the variable (and at `npm run package`, which runs the same check).
const config = loadScraperConfig(process.env);

const logger = createLambdaLogger({ base: { fn: 'metrics-scraper' } });
const logs = needsTags(config.rules) ? createLogsApi(new CloudWatchLogsClient({ region: config.region })) : undefined;
const scrape = createScraperHandler({
  config,
  cloudwatch: new CloudWatchClient({ region: config.region }),
  kinesis: createKinesisClient({ region: config.region }),
  logger,
  ...(logs && { logGroupTags: (arn: string) => logs.listTags(arn) }),
  metricsSink: stdoutSink,
});

export const handler = (event: ScheduledEvent, context: Context) => {
  logger.setContext?.(context);
  return scrape(event, context);
};

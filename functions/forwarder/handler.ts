import { createKinesisClient } from '../../shared/kinesis/client.ts';
import type { Context } from 'aws-lambda';
import { createLambdaLogger } from '../../shared/log/lambdaLogger.ts';
import { stdoutSink } from '../../shared/pipeline/PipelineMetricsPublisher.ts';
import { loadForwarderConfig } from './config.ts';
import { createForwarderHandler } from './forwarder.ts';

// Cold start: a bad configuration fails here, naming the variable.
const config = loadForwarderConfig(process.env);

const logger = createLambdaLogger({ base: { fn: 'forwarder' } });
// The pipeline metrics go to standard output, so each document reaches the log group as it is (docs/monitoring.md).
const forward = createForwarderHandler({ config, kinesis: createKinesisClient({ region: config.region }), logger, metricsSink: stdoutSink });

export const handler = (event: unknown, context: Context) => {
  logger.setContext?.(context);
  return forward(event, context);
};

/**
 * Kinesis → StatsD / DogStatsD (by default the Datadog Lambda extension on 127.0.0.1:8125).
 * Config is read and validated at cold start; the provider, and so its one hot-shots client,
 * lives as long as the container.
 */
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { StatsdProvider } from './StatsdProvider.ts';
import { loadStatsdConfig } from './config.ts';

export const handler = createConsumerHandler(new StatsdProvider(loadStatsdConfig(process.env)));

/**
 * Kinesis → Prometheus remote write. Config is validated and secrets are fetched at cold start
 * (top-level await), once per container.
 */
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { createPrometheusProvider } from './PrometheusProvider.ts';
import { loadPrometheusConfig } from './config.ts';

export const handler = createConsumerHandler(await createPrometheusProvider(loadPrometheusConfig(process.env)));

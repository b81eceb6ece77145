/**
 * Kinesis → Datadog's HTTP API. Config is validated and the API key fetched at cold start (top-level
 * await), once per container.
 */
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { createDatadogProvider } from './DatadogProvider.ts';
import { loadDatadogConfig } from './config.ts';

export const handler = createConsumerHandler(await createDatadogProvider(loadDatadogConfig(process.env)));

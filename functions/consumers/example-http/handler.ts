import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { createExampleHttpProvider } from './JsonLinesHttpProvider.ts';
import { loadConfig } from './config.ts';

/** Kinesis → JSON lines over HTTP. Config is read and validated, and its secret fetched, at cold start. */
export const handler = createConsumerHandler(await createExampleHttpProvider(loadConfig(process.env)));

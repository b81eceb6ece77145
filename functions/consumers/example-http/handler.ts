import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { JsonLinesHttpProvider } from './JsonLinesHttpProvider.ts';
import { loadConfig } from './config.ts';

/** Kinesis → JSON lines over HTTP. Config is read (and validated) at cold start. */
export const handler = createConsumerHandler(new JsonLinesHttpProvider(loadConfig(process.env)));

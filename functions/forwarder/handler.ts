import { createKinesisClient } from '../../shared/kinesis/client.ts';
import { createLogger } from '../../shared/log/logger.ts';
import { loadForwarderConfig } from './config.ts';
import { createForwarderHandler } from './forwarder.ts';

// Cold start: a bad configuration fails here, naming the variable.
const config = loadForwarderConfig(process.env);

export const handler = createForwarderHandler({
  config,
  kinesis: createKinesisClient({ region: config.region }),
  logger: createLogger({ base: { fn: 'forwarder' } }),
});

import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * A Kinesis client over HTTP/1.1 with keep-alive. The SDK's default for Kinesis is HTTP/2, which
 * kinesalite (and some Kinesis-compatible endpoints) do not speak. The endpoint follows the SDK's
 * standard configuration, so `AWS_ENDPOINT_URL_KINESIS` points it at any compatible endpoint.
 */
export function createKinesisClient(config: KinesisClientConfig = {}): KinesisClient {
  return new KinesisClient({
    requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 10_000 }),
    // Retries are ours (per failed entry, deadline-aware); the SDK retries transport errors only a little.
    maxAttempts: 2,
    ...config,
  });
}

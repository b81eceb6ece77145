/**
 * The embedded Kinesis-compatible stream of `npm start`: kinesalite in-process and in memory, on a
 * free loopback port, reached through the real AWS SDK client (HTTP/1.1). Nothing leaves the
 * machine and no AWS account or credentials are needed.
 *
 * kinesalite is a devDependency: `npm start` is a development command run after `npm ci`, and the
 * deployed Lambda bundles never import this file.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateStreamCommand, DescribeStreamCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
// @ts-expect-error kinesalite ships no type declarations
import kinesalite from 'kinesalite';
import { createKinesisClient } from '../shared/kinesis/client.ts';

/**
 * Dummy credentials: kinesalite checks that requests are signed, not by whom. A fresh object each
 * time: the SDK annotates the credentials object it is given.
 */
const localCredentials = () => ({ accessKeyId: 'local', secretAccessKey: 'local' });

export interface LocalKinesis {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly region: string;
  /** A real SDK client pointed at the embedded stream. */
  readonly client: KinesisClient;
  /** Creates a stream and waits until it is ACTIVE. */
  createStream(name: string, shards: number): Promise<void>;
  /** Destroys the client and closes the server (and its keep-alive sockets). */
  close(): Promise<void>;
}

/**
 * Starts kinesalite on 127.0.0.1 with a free port.
 *
 * @example
 * const kinesis = await startLocalKinesis();
 * await kinesis.createStream('emf-fanout-local', 2);
 * // … kinesis.client …
 * await kinesis.close();
 */
export async function startLocalKinesis(opts: { region?: string } = {}): Promise<LocalKinesis> {
  const region = opts.region ?? 'us-east-1';
  // Zero delays: the stream is ACTIVE at once. shardLimit is kinesalite's account-wide cap.
  const server: Server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1_000 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createKinesisClient({ endpoint, region, credentials: localCredentials() });

  return {
    endpoint,
    region,
    client,
    async createStream(name, shards) {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      for (let i = 0; i < 500; i++) {
        const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
        if (d.StreamDescription?.StreamStatus === 'ACTIVE') return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`the local stream ${name} did not become ACTIVE`);
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets of the client would otherwise hold the server open.
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}

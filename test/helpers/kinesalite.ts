/**
 * A real Kinesis-compatible stream for tests: kinesalite in-process on a free loopback port,
 * reached through the real AWS SDK client (HTTP/1.1).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  CreateStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient,
} from '@aws-sdk/client-kinesis';
// @ts-expect-error kinesalite ships no type declarations
import kinesalite from 'kinesalite';
import { createKinesisClient } from '../../shared/kinesis/client.ts';

export interface StreamRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: Buffer;
}

export interface Kinesalite {
  endpoint: string;
  client: KinesisClient;
  createStream(name: string, shards?: number): Promise<void>;
  readAll(name: string): Promise<StreamRecord[]>;
  close(): Promise<void>;
}

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export async function startKinesalite(): Promise<Kinesalite> {
  const server: Server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createKinesisClient({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });

  async function waitActive(name: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
      if (d.StreamDescription?.StreamStatus === 'ACTIVE') return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`stream ${name} did not become ACTIVE`);
  }

  return {
    endpoint,
    client,
    async createStream(name, shards = 1) {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      await waitActive(name);
    },
    async readAll(name) {
      const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
      const out: StreamRecord[] = [];
      for (const shard of d.StreamDescription?.Shards ?? []) {
        const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
        let iterator = it.ShardIterator;
        for (let guard = 0; iterator && guard < 10_000; guard++) {
          const r = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
          for (const rec of r.Records ?? []) {
            out.push({ shardId: shard.ShardId!, sequenceNumber: rec.SequenceNumber!, partitionKey: rec.PartitionKey!, data: Buffer.from(rec.Data!) });
          }
          if ((r.Records ?? []).length === 0) break;
          iterator = r.NextShardIterator;
        }
      }
      return out;
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

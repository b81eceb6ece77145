/**
 * The many-writers scenario of the cumulative mode's acceptance tests: 50 Lambda environments (50
 * log streams) each log 20 EMF documents `{Orders: 1 (Count), Latency: 10–59 (Milliseconds)}` with
 * the dimension `service=orders`, all within one second, written by the real Powertools library
 * (`serializeMetrics`, the text its `publishStoredMetrics` prints). The forwarder packs each log
 * stream's documents into records; records reach the consumer through 4 shards by partition key.
 * Environments share timestamps (document k of every environment is at the same millisecond), which
 * is what made the per-observation samples collide.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamEvent } from 'aws-lambda';
import { kinesisEventFromRecords, recordData, type TestDocument } from '../../shared/consumer/testing/kinesisEvent.ts';

export interface ShopScenario {
  /** One Kinesis event per shard, records in shard order. */
  shards: KinesisStreamEvent[];
  orders: number;
  /** Every latency logged, in milliseconds. */
  latenciesMs: number[];
}

export interface ShopScenarioOptions {
  environments?: number;
  documentsPerEnvironment?: number;
  shards?: number;
  /** Documents per record (the forwarder's packing of one log stream's batch). @default 10 */
  documentsPerRecord?: number;
  /** Millisecond of the first document. @default now − 2 s */
  start?: number;
}

export function shopScenario(opts: ShopScenarioOptions = {}): ShopScenario {
  const environments = opts.environments ?? 50;
  const perEnv = opts.documentsPerEnvironment ?? 20;
  const shardCount = opts.shards ?? 4;
  const perRecord = opts.documentsPerRecord ?? 10;
  const start = opts.start ?? Date.now() - 2_000;
  const byShard: Buffer[][] = Array.from({ length: shardCount }, () => []);
  const latenciesMs: number[] = [];
  let orders = 0;
  for (let env = 0; env < environments; env++) {
    const logStream = `2026/12/06/[$LATEST]env${String(env).padStart(3, '0')}`;
    const docs: TestDocument[] = [];
    for (let k = 0; k < perEnv; k++) {
      const metrics = new Metrics({ namespace: 'Shop', serviceName: 'orders' });
      const timestamp = start + Math.floor((k * 1000) / perEnv);
      const latency = 10 + ((env * 7 + k * 13) % 50);
      metrics.setTimestamp(timestamp);
      metrics.addMetric('Orders', MetricUnit.Count, 1);
      metrics.addMetric('Latency', MetricUnit.Milliseconds, latency);
      docs.push({ emf: JSON.stringify(metrics.serializeMetrics()), timestamp, id: `${env}-${k}` });
      metrics.clearMetrics();
      orders++;
      latenciesMs.push(latency);
    }
    for (let i = 0; i < docs.length; i += perRecord) {
      byShard[env % shardCount]!.push(recordData(docs.slice(i, i + perRecord), { logGroup: '/aws/lambda/shop', logStream }));
    }
  }
  return { shards: byShard.map((records, i) => kinesisEventFromRecords(records, { shardId: `shardId-00000000000${i}` })), orders, latenciesMs };
}

/**
 * Every PromQL example in the docs (```promql blocks of README.md and docs/*.md) runs against a real
 * Prometheus holding what the cumulative mode wrote for the many-writers scenario, and answers with
 * data: the queries the docs teach work on the series the consumer writes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { fakeLambdaContext } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { loadPrometheusConfig } from '../../../functions/consumers/prometheus/config.ts';
import { createPrometheusProvider } from '../../../functions/consumers/prometheus/PrometheusProvider.ts';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheus.ts';
import { shopScenario } from '../../helpers/shopScenario.ts';

const ROOT = join(import.meta.dirname, '../../..');
const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const examples = docs.flatMap((file) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => ({ file, query: m[1]!.trim() })));

let prom: PrometheusServer;
beforeAll(async () => {
  prom = await startPrometheus({ outOfOrderTimeWindow: '0s' });
  // Two containers, so that the queries meet more than one writer.
  const s = shopScenario();
  const providers = await Promise.all([0, 1].map(() => createPrometheusProvider(loadPrometheusConfig({ PROM_RW_URL: prom.remoteWriteUrl }))));
  for (const [i, shard] of s.shards.entries()) {
    const handler = createConsumerHandler(providers[i % 2]!, { env: {}, logger: createMemoryLogger() });
    expect((await handler(shard, fakeLambdaContext({ remainingMs: 30_000 }))).batchItemFailures).toEqual([]);
  }
});
afterAll(async () => {
  await prom?.stop();
});

describe('PromQL examples in the docs', () => {
  it('there are examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(examples)('$file: $query', async ({ query }) => {
    const result = await prom.instant(query);
    expect(result.length).toBeGreaterThan(0);
    for (const r of result) expect(Number.isFinite(r.value) && r.value > 0, `${JSON.stringify(r)}`).toBe(true);
  });
});

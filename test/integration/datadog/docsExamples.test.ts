/**
 * docs/datadog.md's examples, run: the params snippet is a valid configuration, and the Powertools document
 * (written by the real library) reaches the schema-validating intake as exactly the JSON the doc shows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createDatadogProvider } from '../../../functions/consumers/datadog/DatadogProvider.ts';
import { loadDatadogConfig } from '../../../functions/consumers/datadog/config.ts';
import { createConsumerHandler } from '../../../shared/consumer/createConsumerHandler.ts';
import { fakeLambdaContext, kinesisEventFromRecords, recordData } from '../../../shared/consumer/testing/kinesisEvent.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';
import { keyOf, startDatadogReceiver, type DatadogReceiver } from '../../helpers/datadogReceiver.ts';

const DOC = readFileSync(join(import.meta.dirname, '../../../docs/datadog.md'), 'utf8');
const blocks = (lang: string) => [...DOC.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!.trim());

describe('docs/datadog.md examples', () => {
  let receiver: DatadogReceiver;
  const NOW = 1_796_590_001_000;
  beforeAll(async () => {
    receiver = await startDatadogReceiver({ now: () => NOW });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('the params snippet configures the consumer: the EU site, the key from Secrets Manager', () => {
    const [snippet] = blocks('yaml');
    const params = parse(snippet!) as { datadogEnabled: boolean; datadogEnvironment: Record<string, string> };
    expect(params.datadogEnabled).toBe(true);
    const config = loadDatadogConfig(params.datadogEnvironment);
    expect(config.baseUrl).toBe('https://api.datadoghq.eu');
    expect(config.apiKey).toMatchObject({ source: 'secretsmanager', id: 'datadog/api-key' });
  });

  it('the Powertools document is what the library writes, and becomes exactly the request shown', async () => {
    const [input, output] = blocks('json');
    const metrics = new Metrics({ namespace: 'Shop', serviceName: 'Orders' });
    metrics.setTimestamp(1_796_590_000_000);
    metrics.addDimension('Host', 'Web-1');
    metrics.addMetric('Orders', MetricUnit.Count, 1);
    metrics.addMetric('Latency', MetricUnit.Seconds, 0.25);
    expect(JSON.parse(input!)).toEqual(metrics.serializeMetrics());

    const provider = await createDatadogProvider(loadDatadogConfig({ DD_API_KEY_REF: 'ssm:/dd/key', DD_URL: receiver.url }), {
      secrets: keyOf(receiver),
      now: () => NOW,
    });
    const handler = createConsumerHandler(provider, { env: {}, logger: createMemoryLogger() });
    const response = await handler(kinesisEventFromRecords([recordData([{ emf: input!, timestamp: 1_796_590_000_000 }])]), fakeLambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.problems()).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.body).toEqual(JSON.parse(output!));
  });
});

/**
 * The provider contract (shared/consumer/testing/providerContract.ts) against a local Datadog intake that
 * validates every request against Datadog's published schema (the API client's models): every datum
 * arrives under the name and tags the docs promise, retryable and permanent faults of the receiver itself
 * are retried or counted, and no request the receiver got breaks the schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatadogProvider } from '../../../functions/consumers/datadog/DatadogProvider.ts';
import { loadDatadogConfig } from '../../../functions/consumers/datadog/config.ts';
import { describeProviderContract } from '../../../shared/consumer/testing/providerContract.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { keyOf, startDatadogReceiver, type DatadogReceiver } from '../../helpers/datadogReceiver.ts';

/** docs/datadog.md#names-and-tags, written out independently: names keep case, tags are lower-cased, both by Datadog's character rules. */
const ddName = (s: string) => s.replace(/[^A-Za-z0-9_.]/g, '_');
const ddTag = (k: string, v: string) => `${k.toLowerCase().replace(/[^\p{L}0-9_\-./]/gu, '_')}:${v.toLowerCase().replace(/[^\p{L}0-9_\-:./]/gu, '_')}`;
const seriesKey = (d: MetricDatum) => `${ddName(`${d.namespace}.${d.name}`)}{${Object.entries(d.dimensions).map(([k, v]) => ddTag(k, v)).sort().join(',')}}`;

let receiver: DatadogReceiver;
/** Requests and schema problems of every scenario (each scenario starts with a reset receiver). */
let requests = 0;
const problems: string[] = [];
beforeAll(async () => {
  receiver = await startDatadogReceiver();
});
afterAll(async () => {
  await receiver?.close();
});


describe('datadog against a schema-validating intake', () => {
  describeProviderContract({
    name: 'datadog (distribution points)',
    // `detail` as a property tag: the contract's documents hold it as an object (never a tag), one of them nested 20,000 deep.
    makeProvider: () => new DatadogProvider(loadDatadogConfig({ DD_API_KEY_REF: 'ssm:/dd/key', DD_URL: receiver.url, DD_PROPERTY_TAGS: 'detail', DD_BATCH_SIZE: '3' }), receiver.apiKey, keyOf(receiver)),
    received: async () => [...receiver.distributionValues().keys()],
    keysOf: (d) => [seriesKey(d)],
    reset: async () => {
      requests += receiver.requests.length;
      problems.push(...receiver.problems());
      receiver.reset();
      receiver.answer = () => 'validate';
    },
    receiverFaults: {
      retryable: async () => {
        receiver.answer = () => ({ status: 503, body: '{"errors":["Service Unavailable"]}' });
        return async () => {
          receiver.answer = () => 'validate';
        };
      },
      permanent: async () => {
        receiver.answer = () => ({ status: 400, body: '{"errors":["Payload is not in the expected format"]}' });
        return async () => {
          receiver.answer = () => 'validate';
        };
      },
    },
  });

  it('no request of the contract broke the schema', () => {
    expect(requests + receiver.requests.length).toBeGreaterThan(10);
    expect([...problems, ...receiver.problems()]).toEqual([]);
  });
});

/**
 * The provider contract run against in-memory providers: proves the kit itself (and the
 * handler's flush path, with a buffering provider whose data count only after `flush`), for
 * both kinds of provider: plain (`InMemoryProvider`, which keeps the data it is given) and
 * streaming (which must copy what it keeps, and must get the handler's chunk, never an array).
 */
import { datumKey } from '../../../shared/consumer/testing/contractBatch.ts';
import { describeProviderContract } from '../../../shared/consumer/testing/providerContract.ts';
import type { MetricData, MetricDatum, SendResult, StreamingProvider } from '../../../shared/consumer/types.ts';
import { InMemoryProvider } from '../../helpers/InMemoryProvider.ts';

for (const withFlush of [false, true]) {
  let providers: InMemoryProvider[] = [];
  describeProviderContract({
    name: withFlush ? 'in-memory, buffered until flush' : 'in-memory',
    makeProvider: () => {
      const p = new InMemoryProvider({ maxBatchSize: 4, withFlush });
      providers.push(p);
      return p;
    },
    received: async () => providers.flatMap((p) => p.delivered.map(datumKey)),
    keysOf: (d) => [datumKey(d)],
    reset: async () => {
      providers = [];
    },
  });
}

/** A streaming provider that keeps copies of what it reads; it refuses an array, so a wrapper that loses its kind fails the contract. */
function streamingInMemory(delivered: MetricDatum[]): StreamingProvider {
  return {
    name: 'in-memory-streaming',
    streaming: true,
    maxBatchSize: 4,
    send: async (data: MetricData): Promise<SendResult> => {
      if (Array.isArray(data)) return { status: 'failure', error: new Error('a streaming provider got an array'), reason: 'streaming_got_array' };
      data.forEach((d) => delivered.push({ ...d }));
      return { status: 'success' };
    },
  };
}

let delivered: MetricDatum[] = [];
describeProviderContract({
  name: 'in-memory, streaming',
  makeProvider: () => streamingInMemory(delivered),
  received: async () => delivered.map(datumKey),
  keysOf: (d) => [datumKey(d)],
  reset: async () => {
    delivered = [];
  },
});

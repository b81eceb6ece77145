/**
 * The provider contract run against in-memory providers: proves the kit itself (and the
 * handler's flush path, with a buffering provider whose data count only after `flush`).
 */
import { datumKey } from '../../../shared/consumer/testing/contractBatch.ts';
import { describeProviderContract } from '../../../shared/consumer/testing/providerContract.ts';
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

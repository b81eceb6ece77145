/** The scriptable in-memory provider; implemented in `shared/consumer/testing/` so provider authors can use it too. */
export { InMemoryProvider } from '../../shared/consumer/testing/InMemoryProvider.ts';

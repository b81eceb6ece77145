/** The scriptable in-memory provider; implemented in `shared/consumer/testing/` so provider authors can use it too. */
export { InMemoryProvider, type InMemoryProviderOptions, type RecordedCall, type ScriptedAnswer } from '../../shared/consumer/testing/InMemoryProvider.ts';

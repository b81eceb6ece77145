/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight. CloudWatch Logs allows
 * only a few control-plane calls per second per account, so a small pool plus backoff is
 * faster than sequential calls and gentler than `Promise.all` over thousands of log groups.
 *
 * Fail-fast: after the first error no new item starts; the error is rethrown once the calls
 * in flight have settled, so nothing is left running behind the caller's back.
 */
export async function mapPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  const n = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed !== undefined) throw failed.error;
  return results;
}

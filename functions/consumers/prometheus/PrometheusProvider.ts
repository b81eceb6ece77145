/**
 * The Prometheus remote-write provider, in one of two modes (docs/prometheus.md):
 *
 * - `cumulative` (default): `send` adds a chunk's observations to this invocation's pending deltas
 *   (`cumulative.ts`), and `flush` writes this container's cumulative series, applying the deltas
 *   only once the requests carrying them are accepted. A retried flush plans again what is not
 *   settled; a flush given up leaves nothing in the state.
 * - `samples`: each `send` translates its chunk into one sample per observation (`translate.ts`)
 *   and POSTs the requests. When the handler retries a `retryable` chunk (same array), requests
 *   that were already accepted or rejected are not sent again: re-sending accepted samples would
 *   be out of order for a receiver without an out-of-order window, and rejected ones would only be
 *   rejected again.
 */
import type { MetricData, SendContext, SendResult, StreamingProvider } from '../../../shared/consumer/types.ts';
import { createSecretResolver, type SecretResolver } from '../../../shared/secrets/secretResolver.ts';
import { createRequestAuth, type AuthDeps } from './auth.ts';
import type { PrometheusConfig } from './config.ts';
import { createRemoteWriteClient, PROMETHEUS_REASONS } from './remoteWriteClient.ts';
import { CumulativeState, type RequestOutcome } from './CumulativeState.ts';
import { newPending, type Pending } from './cumulativeSeries.ts';
import type { PlannedWriteRequest } from './splitRequests.ts';
import { createTranslator, type TranslateResult } from './translate.ts';
import { encodeWriteRequest } from './writeRequest.ts';

export interface PrometheusProviderDeps {
  /** Default: a resolver with its own per-container cache (SSM / Secrets Manager clients created on demand). */
  secrets?: SecretResolver;
  /** SigV4 credentials (default: the Lambda role via the SDK's default chain). */
  credentials?: AuthDeps['credentials'];
  /** SigV4 signing clock (tests). */
  now?: AuthDeps['now'];
  /** HTTP implementation (tests); default: global `fetch`. */
  fetch?: typeof fetch;
}

/** A settled request: accepted, or rejected for good. Undefined while it still needs sending. */
type Settled = { status: 'success' } | Extract<SendResult, { status: 'failure' }>;

interface ChunkState {
  plan: TranslateResult;
  settled: (Settled | undefined)[];
  bodies: (Uint8Array | undefined)[];
}

/**
 * Creates the provider; resolves secrets now (call it at cold start, e.g. with top-level await).
 *
 * @example
 * export const handler = createConsumerHandler(await createPrometheusProvider(loadPrometheusConfig(process.env)));
 */
export async function createPrometheusProvider(config: PrometheusConfig, deps: PrometheusProviderDeps = {}): Promise<StreamingProvider> {
  const auth = await createRequestAuth(config, {
    secrets: deps.secrets ?? createSecretResolver(),
    ...(deps.credentials === undefined ? {} : { credentials: deps.credentials }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const client = createRemoteWriteClient({
    url: config.url,
    timeoutMs: config.timeoutMs,
    auth,
    headers: config.headers,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  });
  const translator = createTranslator(config.translate);
  const sendOne = async (planned: PlannedWriteRequest, body: Uint8Array, ctx: SendContext, authRefreshed: { done: boolean }): Promise<SendResult> => {
    let r = await client.post(body, ctx.signal);
    if (r.status === 'failure' && r.reason === PROMETHEUS_REASONS.unauthorized && auth.refreshable) {
      // The secret may have been rotated since this container cached it: fetch it again (once per send)
      // and retry this request once with it.
      if (!authRefreshed.done) {
        authRefreshed.done = true;
        ctx.logger.warn('prometheus: unauthorized, fetching the credentials again', { error: r.error.message });
        auth.refresh();
      }
      r = await client.post(body, ctx.signal);
    }
    if (r.status === 'failure') {
      ctx.logger.warn('prometheus: receiver rejected a request; its samples are dropped', {
        reason: r.reason,
        error: r.error.message,
        series: planned.request.timeseries.length,
        samples: planned.samples,
      });
    }
    return r;
  };

  /**
   * Sends the requests not settled yet (`settled[i]` undefined), at most `concurrency` at a time; a
   * request continuing a series split off the previous one goes after it. Fills `settled` with the
   * definite answers and returns the retryable ones.
   */
  const sendRequests = async (
    requests: readonly PlannedWriteRequest[],
    settled: (Settled | undefined)[],
    bodyOf: (i: number) => Uint8Array,
    ctx: SendContext,
  ): Promise<Extract<SendResult, { status: 'retryable' }>[]> => {
    const pending: Extract<SendResult, { status: 'retryable' }>[] = [];
    const authRefreshed = { done: false };
    const chains: number[][] = [];
    requests.forEach((r, i) => {
      if (r.continuesPrevious && chains.length > 0) chains[chains.length - 1]!.push(i);
      else chains.push([i]);
    });
    await runBounded(chains, config.concurrency, async (chain) => {
      for (const i of chain) {
        if (settled[i] !== undefined) continue;
        if (ctx.signal.aborted) {
          pending.push({ status: 'retryable', error: new Error('deadline reached before the request was sent') });
          return;
        }
        const r = await sendOne(requests[i]!, bodyOf(i), ctx, authRefreshed);
        if (r.status === 'retryable') {
          pending.push(r);
          return; // later parts of a split series must not overtake this one
        }
        settled[i] = r;
      }
    });
    return pending;
  };

  return config.translate.mode === 'cumulative' ? cumulativeProvider() : samplesProvider();

  function samplesProvider(): StreamingProvider {
    const chunks = new WeakMap<MetricData, ChunkState>();
    const stateOf = (data: MetricData, ctx: SendContext): ChunkState => {
      let s = chunks.get(data);
      if (s === undefined) {
        const plan = translator.translate(data);
        s = { plan, settled: new Array(plan.requests.length).fill(undefined), bodies: new Array(plan.requests.length).fill(undefined) };
        chunks.set(data, s);
        const { requests, series, samples, merged, skipped } = plan;
        ctx.logger.debug('prometheus translate', { data: data.length, requests: requests.length, series, samples, merged, skipped });
        const lost = Object.entries(skipped).filter(([reason]) => reason !== 'union_duplicate_set');
        if (lost.length > 0) ctx.logger.warn('prometheus: data without samples were skipped', { skipped: Object.fromEntries(lost) });
      }
      return s;
    };
    return {
      name: 'prometheus',
      // Reads each chunk once, reducing it to series as it goes: no object per datum.
      streaming: true,
      maxBatchSize: config.batchSize,
      async send(data, ctx) {
        let s: ChunkState;
        try {
          s = stateOf(data, ctx);
        } catch (err) {
          // Translation is pure and should not throw; if it does, it is a bug, and retrying will not help.
          const error = err instanceof Error ? err : new Error(String(err));
          ctx.logger.error('prometheus: translation failed', { error });
          return { status: 'failure', error, reason: 'prometheus_translate_error' };
        }
        const bodyOf = (i: number) => (s.bodies[i] ??= encodeWriteRequest(s.plan.requests[i]!.request));
        const pending = await sendRequests(s.plan.requests, s.settled, bodyOf, ctx);
        s.settled.forEach((x, i) => {
          if (x !== undefined) s.bodies[i] = undefined;
        });
        return outcome(s, pending);
      },
    };
  }

  function cumulativeProvider(): StreamingProvider {
    const state = new CumulativeState(translator, config.translate.cumulative);
    const pendings = new WeakMap<object, Pending>();
    const pendingOf = (ctx: SendContext): Pending => {
      let p = pendings.get(ctx.invocation);
      if (p === undefined) {
        p = newPending();
        pendings.set(ctx.invocation, p);
      }
      return p;
    };
    return {
      name: 'prometheus',
      // Reads each chunk once, reducing it to series as it goes: no object per datum.
      streaming: true,
      maxBatchSize: config.batchSize,
      async send(data, ctx) {
        try {
          state.accumulate(pendingOf(ctx), data);
          return { status: 'success' };
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          ctx.logger.error('prometheus: accumulating failed', { error });
          return { status: 'failure', error, reason: 'prometheus_translate_error' };
        }
      },
      flush: (ctx) => state.exclusive(async (): Promise<SendResult> => {
        const pending = pendingOf(ctx);
        const plan = state.plan(pending, config.translate);
        const settled: (Settled | undefined)[] = new Array(plan.requests.length).fill(undefined);
        const retryable = await sendRequests(plan.requests, settled, (i) => encodeWriteRequest(plan.requests[i]!.request), ctx);
        const outcomes = settled.map((x): RequestOutcome | undefined => (x === undefined ? undefined : x.status === 'success' ? 'accepted' : { rejected: x.reason }));
        const { unsettled } = state.settle(pending, plan, outcomes);
        ctx.logger.debug('prometheus flush', {
          writer: state.writerId, requests: plan.requests.length, samples: plan.samples, held: plan.held.length, unsettled, series: state.seriesCount,
        });
        if (unsettled > 0) {
          const first = retryable[0] ?? { error: new Error('not every series was written') };
          const error = new Error(`${unsettled} series of this invocation not written: ${first.error.message}`, { cause: first.error });
          const after = retryable.reduce<number | undefined>((m, r) => (r.retryAfterMs === undefined ? m : Math.max(m ?? 0, r.retryAfterMs)), undefined);
          return after === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMs: after };
        }
        const skipped = Object.entries(pending.skipped).filter(([reason]) => reason !== 'union_duplicate_set');
        if (skipped.length > 0) ctx.logger.warn('prometheus: data without samples were skipped', { skipped: Object.fromEntries(skipped) });
        const dropped = state.commit(pending);
        pendings.delete(ctx.invocation);
        const reasons = Object.keys(dropped);
        if (reasons.length === 0) return { status: 'success' };
        const total = Object.values(dropped).reduce((a, b) => a + b, 0);
        return { status: 'failure', reason: reasons[0]!, dropped, error: new Error(`${total} data dropped: ${reasons.map((r) => `${r} ${dropped[r]}`).join(', ')}`) };
      }),
    };
  }
}

function outcome(s: ChunkState, pending: SendResult[]): SendResult {
  const n = s.plan.requests.length;
  if (pending.length > 0) {
    const unsent = s.settled.filter((x) => x === undefined).length;
    let retryAfterMs: number | undefined;
    for (const p of pending) if (p.status === 'retryable' && p.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, p.retryAfterMs);
    const first = pending[0] as Extract<SendResult, { status: 'retryable' }>;
    const error = new Error(`${unsent} of ${n} remote-write requests not delivered: ${first.error.message}`, { cause: first.error });
    return retryAfterMs === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMs };
  }
  const rejected = s.settled.filter((x): x is Extract<Settled, { status: 'failure' }> => x?.status === 'failure');
  if (rejected.length === 0) return { status: 'success' };
  // The data of the rejected requests, by reason; the rest of the chunk was delivered.
  let samples = 0;
  const dropped: Record<string, number> = {};
  s.settled.forEach((x, i) => {
    if (x?.status !== 'failure') return;
    samples += s.plan.requests[i]!.samples;
    dropped[x.reason] = (dropped[x.reason] ?? 0) + s.plan.requests[i]!.data;
  });
  const first = rejected[0]!;
  return {
    status: 'failure',
    reason: first.reason,
    dropped,
    error: new Error(`${rejected.length} of ${n} remote-write requests rejected (${samples} of ${s.plan.samples} samples): ${first.error.message}`, { cause: first.error }),
  };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function runBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The Datadog HTTP API provider (docs/datadog.md). Each chunk is translated once (`translate.ts`) into
 * requests, sent in order, one at a time:
 *
 * 1. `count` and `gauge` points (`/api/v2/series`, `series` mode or overrides), each carrying its whole
 *    value for this writer (`series.ts`), so sending one again is harmless;
 * 2. distribution points (`/api/v1/distribution_points`), which Datadog adds up: one must never be sent
 *    twice. A retried chunk sends only the requests not answered yet, and when a request is still failing
 *    as the handler gives up, the result says how many data before it were delivered (`delivered`), so
 *    Lambda redelivers from there and nothing accepted is sent again.
 *
 * Sends are one at a time per container: the `series` points' totals must be read and written in turn.
 */
import { randomBytes } from 'node:crypto';
import type { MetricData, SendContext, SendResult, StreamingProvider } from '../../../shared/consumer/types.ts';
import { createSecretResolver, SecretError, type SecretResolver } from '../../../shared/secrets/secretResolver.ts';
import { Tally } from '../../../shared/tally.ts';
import { compressBody, createDatadogClient, DISTRIBUTION_POINTS_PATH, SERIES_PATH, type DatadogClient } from './client.ts';
import type { DatadogConfig } from './config.ts';
import { SeriesState } from './series.ts';
import { DATADOG_REASONS, DatadogTranslator, type DistributionRequest, type Loss, type SeriesChange } from './translate.ts';

export interface DatadogProviderDeps {
  /** Default: a resolver with its own per-container cache. */
  secrets?: SecretResolver;
  /** HTTP implementation (tests); default: global `fetch`. */
  fetch?: typeof fetch;
  /** The clock that decides which points are too old (tests). @default Date.now */
  now?: () => number;
  /** This container's writer tag value (`series` types). @default 12 random hex digits */
  writerId?: string;
}

type Failure = Extract<SendResult, { status: 'failure' }>;
type Retryable = Extract<SendResult, { status: 'retryable' }>;

/** What a chunk's sends have got so far (kept across the handler's retries of the chunk). */
interface ChunkState {
  distributions: DistributionRequest[];
  /** Answers of the distribution requests: accepted, or rejected for good; undefined until then. */
  answered: ('accepted' | Failure | undefined)[];
  changes: SeriesChange[];
  /** Keys of points written (accepted) and rejected for good. */
  written: Set<string>;
  rejected: Set<string>;
  dropped: Tally;
  /** Problems that cost no datum (a property that cannot be a tag). */
  warnings: Tally;
  /** Data rejected by Datadog, by reason. */
  rejectedData: Tally;
  /** Every datum lost for good so far (dropped or rejected), with its position, for a partial result. */
  lost: Loss[];
  /** Series changes before this position are in the state. */
  committed: number;
  data: number;
  /** Where translation stopped (`DatadogTranslator`'s `stoppedAt`); the rest of the chunk is for a later invocation. */
  stoppedAt?: number;
}

/**
 * Creates the provider; resolves the API key now (call it at cold start, with top-level await).
 *
 * @example
 * export const handler = createConsumerHandler(await createDatadogProvider(loadDatadogConfig(process.env)));
 */
export async function createDatadogProvider(config: DatadogConfig, deps: DatadogProviderDeps = {}): Promise<DatadogProvider> {
  const secrets = deps.secrets ?? createSecretResolver();
  const apiKey = await resolveApiKey(config, secrets);
  return new DatadogProvider(config, apiKey, secrets, deps);
}

async function resolveApiKey(config: DatadogConfig, secrets: SecretResolver): Promise<string> {
  const key = (await secrets.resolve(config.apiKey)).trim();
  // A key that cannot be a header value would fail every request: fail at cold start instead.
  if (key === '' || /[^\x21-\x7e]/.test(key)) throw new SecretError(`the Datadog API key in ${config.apiKey.text} is empty or has characters a header cannot carry`, 'secret_invalid');
  return key;
}

export class DatadogProvider implements StreamingProvider {
  readonly name = 'datadog';
  /** Reads each chunk once, translating as it goes: no object per datum. */
  readonly streaming = true;
  readonly maxBatchSize: number;
  readonly writerId: string;
  private client: DatadogClient;
  private readonly translator: DatadogTranslator;
  private readonly series: SeriesState;
  private readonly chunks = new WeakMap<MetricData, ChunkState>();
  private readonly now: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  private expiredAt = 0;

  constructor(
    private readonly config: DatadogConfig,
    apiKey: string,
    private readonly secrets: SecretResolver,
    private readonly deps: DatadogProviderDeps = {},
  ) {
    this.maxBatchSize = config.batchSize;
    this.now = deps.now ?? Date.now;
    this.writerId = deps.writerId ?? randomBytes(6).toString('hex');
    this.translator = new DatadogTranslator(config.translate, this.writerId);
    this.series = new SeriesState(config.translate.maxSeries);
    this.client = this.clientFor(apiKey);
  }

  send(data: MetricData, ctx: SendContext): Promise<SendResult> {
    const run = this.queue.then(() => this.sendChunk(data, ctx));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendChunk(data: MetricData, ctx: SendContext): Promise<SendResult> {
    let s = this.chunks.get(data);
    if (s === undefined) {
      // A point must still be acceptable when the invocation's time is up (the last retry).
      s = this.plan(data, Math.max(0, ctx.deadline - Date.now()));
      this.chunks.set(data, s);
      if (s.dropped.total > 0) ctx.logger.warn('datadog: data not sent', { dropped: s.dropped.counts, examples: s.dropped.examples });
      if (s.warnings.total > 0) ctx.logger.warn('datadog: translation notes', { counts: s.warnings.counts, examples: s.warnings.examples });
    }
    const refreshed = { done: false };

    // 1. Count and gauge points: their whole values, so a retry may write them again.
    const { requests, overflowed } = this.series.plan(s.changes, new Set([...s.written, ...s.rejected]), this.config.translate.maxRequestBytes);
    if (overflowed.length > 0) {
      // Their totals are not finite numbers: no request can carry them, now or later.
      const keys = new Set(overflowed);
      for (const k of keys) s.rejected.add(k);
      for (const c of s.changes) {
        if (!keys.has(c.key)) continue;
        s.rejectedData.add(DATADOG_REASONS.not_finite, `the total of ${c.head}… overflowed`);
        s.lost.push({ at: c.position, reason: DATADOG_REASONS.not_finite });
      }
    }
    for (const r of requests) {
      const answer = await this.post(SERIES_PATH, compressBody(r.body), ctx, refreshed);
      if (answer.status === 'retryable') return this.giveUp(s, answer, 0);
      if (answer.status === 'success') this.series.accepted(r);
      for (const k of r.keys) (answer.status === 'success' ? s.written : s.rejected).add(k);
      if (answer.status === 'failure') {
        this.rejected(s, answer, 0, ctx);
        const keys = new Set(r.keys);
        for (const c of s.changes) {
          if (!keys.has(c.key)) continue;
          s.rejectedData.add(answer.reason, answer.error.message);
          s.lost.push({ at: c.position, reason: answer.reason });
        }
      }
    }

    // 2. Distribution points, in data order: never one twice.
    for (let k = 0; k < s.distributions.length; k++) {
      if (s.answered[k] !== undefined) continue;
      const r = s.distributions[k]!;
      const answer = await this.post(DISTRIBUTION_POINTS_PATH, compressBody(r.body), ctx, refreshed);
      if (answer.status === 'retryable') return this.giveUp(s, answer, k === 0 ? 0 : s.distributions[k - 1]!.end);
      s.answered[k] = answer.status === 'success' ? 'accepted' : answer;
      if (answer.status === 'failure') {
        this.rejected(s, answer, r.data, ctx);
        s.lost.push(...Array.from({ length: r.data }, () => ({ at: k === 0 ? 0 : s.distributions[k - 1]!.end, reason: answer.reason })));
      }
    }
    if (s.stoppedAt !== undefined) {
      const error = new Error(`the requests of this chunk reached their limit at datum ${s.stoppedAt} (weights expanded to many values): the rest is redelivered`);
      return this.giveUp(s, { status: 'retryable', error, retryAfterMs: Number.POSITIVE_INFINITY }, s.stoppedAt);
    }

    // 3. Everything answered: the series changes are delivered (but rejected ones). Points whose value
    //    Datadog does not hold are written now, or with the next chunk.
    this.commit(s, s.data);
    if (this.series.dirtyCount > 0) await this.rewrite(ctx, refreshed);
    const dropped = { ...s.dropped.counts };
    for (const [reason, n] of Object.entries(s.rejectedData.counts)) dropped[reason] = (dropped[reason] ?? 0) + n;
    const reasons = Object.keys(dropped);
    if (reasons.length === 0) return { status: 'success' };
    const total = Object.values(dropped).reduce((a, b) => a + b, 0);
    const detail = Object.values(s.rejectedData.examples)[0] ?? Object.values(s.dropped.examples)[0] ?? '';
    return { status: 'failure', reason: reasons[0]!, dropped, error: new Error(`${total} data not sent: ${reasons.map((r) => `${r} ${dropped[r]}`).join(', ')}${detail === '' ? '' : ` (${detail})`}`) };
  }

  /** Translates a chunk; points must still be acceptable `marginMs` from now. */
  private plan(data: MetricData, marginMs: number): ChunkState {
    const now = this.now();
    const t = this.config.translate;
    const window = { oldest: now - t.maxPointAgeSeconds * 1000 + marginMs, newest: now + t.maxPointFutureSeconds * 1000 };
    if (now - this.expiredAt > 60_000) {
      this.series.expire(Math.floor((now - t.maxPointAgeSeconds * 1000) / 1000) - t.intervalSeconds);
      this.expiredAt = now;
    }
    const plan = this.translator.translate(data, window);
    const admitted = this.series.admit(plan.changes, plan.dropped, plan.lost);
    return {
      distributions: plan.distributions,
      answered: new Array<undefined>(plan.distributions.length).fill(undefined),
      changes: admitted,
      written: new Set(),
      rejected: new Set(),
      dropped: plan.dropped,
      warnings: plan.warnings,
      rejectedData: new Tally(),
      lost: plan.lost,
      committed: 0,
      data: plan.data,
      ...(plan.stoppedAt === undefined ? {} : { stoppedAt: plan.stoppedAt }),
    };
  }

  /** The chunk stops before `prefix`: the data before it are settled (delivered, or lost and counted by reason). */
  private giveUp(s: ChunkState, answer: Retryable, prefix: number): SendResult {
    this.commit(s, prefix);
    this.series.wroteAhead(s.changes.filter((c) => c.position >= prefix), s.written);
    if (prefix <= 0) return answer;
    const dropped: Record<string, number> = {};
    for (const l of s.lost) if (l.at < prefix) dropped[l.reason] = (dropped[l.reason] ?? 0) + 1;
    return Object.keys(dropped).length === 0 ? { ...answer, delivered: prefix } : { ...answer, delivered: prefix, dropped };
  }

  /** Writes the points whose committed value Datadog does not hold (best effort: what fails stays dirty). */
  private async rewrite(ctx: SendContext, refreshed: { done: boolean }): Promise<void> {
    for (const r of this.series.plan([], new Set(), this.config.translate.maxRequestBytes).requests) {
      const answer = await this.post(SERIES_PATH, compressBody(r.body), ctx, refreshed);
      if (answer.status !== 'success') return;
      this.series.accepted(r);
    }
  }

  private commit(s: ChunkState, upTo: number): void {
    if (upTo <= s.committed) return;
    this.series.commit(s.changes, s.committed, upTo, s.rejected);
    s.committed = upTo;
  }

  /** Counts `data` data rejected by `answer` (0: the caller counts them) and logs Datadog's message. */
  private rejected(s: ChunkState, answer: Failure, data: number, ctx: SendContext): void {
    if (data > 0) s.rejectedData.add(answer.reason, answer.error.message, data);
    ctx.logger.warn('datadog: a request was rejected; its data are dropped', { reason: answer.reason, error: answer.error.message, data });
  }

  /** One request; after a 401/403 the key is fetched again once per send (it may have been rotated) and the request retried with it. */
  private async post(path: string, body: Buffer, ctx: SendContext, refreshed: { done: boolean }): Promise<SendResult> {
    if (ctx.signal.aborted) return { status: 'retryable', error: new Error('deadline reached before the request was sent') };
    const r = await this.client.post(path, body, ctx.signal);
    if (r.status !== 'failure' || r.reason !== 'datadog_forbidden' || refreshed.done) return r;
    refreshed.done = true;
    ctx.logger.warn('datadog: forbidden, fetching the API key again', { error: r.error.message });
    this.secrets.invalidate(this.config.apiKey);
    try {
      this.client = this.clientFor(await resolveApiKey(this.config, this.secrets));
    } catch (err) {
      return { status: 'retryable', error: err instanceof Error ? err : new Error(String(err)) };
    }
    return this.client.post(path, body, ctx.signal);
  }

  private clientFor(apiKey: string): DatadogClient {
    return createDatadogClient({ baseUrl: this.config.baseUrl, apiKey, timeoutMs: this.config.timeoutMs, ...(this.deps.fetch === undefined ? {} : { fetch: this.deps.fetch }) });
  }
}

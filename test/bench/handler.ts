/**
 * The consumer handler itself (`createConsumerHandler`) around a provider doing a built-in provider's work
 * without network, once as a `StreamingProvider` (it reads the handler's chunks, one refilled datum) and once
 * as a plain `Provider` (the handler makes each chunk an array of separate data first): the same work, so the
 * two rows' ratios to the consumers' lower bound (base64 + decompression + JSON.parse of the same records,
 * `recordsLowerBound`) differ by what the safe default costs. A third comparison puts the plain provider
 * against the streaming one in the same process, interleaved: that ratio is the safe default's cost alone,
 * without the noise of two separate measurements. The whole corpus is one Kinesis batch.
 *
 * The work: StatsD's (the datagrams' bytes of each chunk, as `statsd.ts` measures it), or Prometheus's default
 * mode (each chunk accumulated, then one flush that plans, encodes, settles and commits, from empty state, as
 * `cumulativeOnce` in `consumers.ts`).
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../functions/consumers/prometheus/config.ts';
import { CumulativeState } from '../../functions/consumers/prometheus/CumulativeState.ts';
import { newPending } from '../../functions/consumers/prometheus/cumulativeSeries.ts';
import { createTranslator, type Translator } from '../../functions/consumers/prometheus/translate.ts';
import { encodeWriteRequest } from '../../functions/consumers/prometheus/writeRequest.ts';
import { loadStatsdConfig } from '../../functions/consumers/statsd/config.ts';
import { StatsdProvider } from '../../functions/consumers/statsd/StatsdProvider.ts';
import { createConsumerHandler } from '../../shared/consumer/createConsumerHandler.ts';
import type { ConsumerSummary } from '../../shared/consumer/summary.ts';
import { fakeLambdaContext } from '../../shared/consumer/testing/kinesisEvent.ts';
import type { AnyProvider, MetricData, MetricDatum, SendResult } from '../../shared/consumer/types.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { RecordCompression } from '../../shared/record/format.ts';
import { Tally } from '../../shared/tally.ts';
import { recordsLowerBound, type ConsumerBench } from './consumers.ts';
import { compareAsync } from './measure.ts';

export type HandlerWork = 'statsd' | 'prometheus-cumulative';
/** The candidate's provider, and its lower bound: `recordsLowerBound`, or for `plain-vs-streaming` the streaming provider's handler. */
export type HandlerSide = 'streaming' | 'plain' | 'plain-vs-streaming';

export interface HandlerBench extends ConsumerBench {
  work: HandlerWork;
  side: HandlerSide;
  /** The provider's `maxBatchSize`: the data a plain provider's arrays hold. */
  chunk: number;
}

/** What a provider does with its data, whichever kind it is. */
interface Work {
  maxBatchSize: number;
  read(data: MetricData): void;
  flush?(): void;
}

const OK: SendResult = { status: 'success' };
const SILENT: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
/** The writer clock of the cumulative runs (fixed: a run's samples do not depend on when it ran). */
const BENCH_NOW = 1_763_900_000_000;

function statsdWork(provider: StatsdProvider, maxBatchSize: number): Work {
  const notes = new Tally();
  return {
    maxBatchSize,
    read: (data) => {
      for (const d of provider.datagramsOf(data, notes)) Buffer.from(d);
    },
  };
}

/** A cold container's state each run (`cumulativeOnce` in consumers.ts), fed by the handler's chunks. */
function cumulativeWork(translator: Translator): Work {
  const state = new CumulativeState(translator, { ...DEFAULT_TRANSLATE_OPTIONS.cumulative, now: () => BENCH_NOW });
  const pending = newPending();
  return {
    maxBatchSize: 10_000, // PROM_RW_BATCH_SIZE's default
    read: (data) => state.accumulate(pending, data),
    flush: () => {
      const plan = state.plan(pending, translator.options);
      for (const r of plan.requests) encodeWriteRequest(r.request);
      state.settle(pending, plan, plan.requests.map(() => 'accepted'));
      const dropped = state.commit(pending);
      if (Object.keys(dropped).length > 0) throw new Error(`bench cumulative flush dropped data: ${JSON.stringify(dropped)}`);
    },
  };
}

/** `work` as the kind of provider asked for: the same calls either way, only what `send` is handed differs. */
function providerOf(work: Work, streaming: boolean): AnyProvider {
  const flush = work.flush === undefined ? {} : { flush: async () => (work.flush!(), OK) };
  if (streaming) return { name: 'bench-streaming', streaming: true, maxBatchSize: work.maxBatchSize, send: async (data: MetricData) => (work.read(data), OK), ...flush };
  return { name: 'bench-plain', maxBatchSize: work.maxBatchSize, send: async (data: readonly MetricDatum[]) => (work.read(data), OK), ...flush };
}

/** One invocation with every record; throws unless every datum was delivered. Returns the data delivered. */
async function handlerOnce(records: KinesisStreamRecord[], work: Work, streaming: boolean): Promise<number> {
  let summary: ConsumerSummary | undefined;
  const handler = createConsumerHandler(providerOf(work, streaming), { env: {}, logger: SILENT, onSummary: (s) => (summary = s) });
  const response = await handler({ Records: records }, fakeLambdaContext({ remainingMs: 15 * 60_000 }));
  if (summary === undefined || response.batchItemFailures.length > 0 || summary.delivered !== summary.data || summary.dataDropped > 0) {
    throw new Error(`bench handler lost data: ${JSON.stringify({ ...summary, examples: undefined })}`);
  }
  return summary.delivered;
}

/**
 * The handler with `work` in a provider of the kind `side` names, against the consumers' lower bound (or, for
 * `plain-vs-streaming`, the plain provider against the streaming one).
 *
 * @example
 * const plain = await benchHandler(consumerRecords(batches, 'brotli'), 'brotli', 'statsd', 'plain');
 */
export async function benchHandler(records: KinesisStreamRecord[], compression: RecordCompression, work: HandlerWork, side: HandlerSide): Promise<HandlerBench> {
  let make: () => Work;
  if (work === 'statsd') {
    const config = loadStatsdConfig({});
    const statsd = new StatsdProvider(config);
    make = () => statsdWork(statsd, config.maxBatchSize);
  } else {
    // The name caches of a warm container; the cumulative state is each run's own.
    const translator = createTranslator({ mode: 'cumulative' });
    make = () => cumulativeWork(translator);
  }
  const streaming = side === 'streaming';
  const data = await handlerOnce(records, make(), streaming);
  const lowerBound = side === 'plain-vs-streaming' ? async () => void (await handlerOnce(records, make(), true)) : () => void recordsLowerBound(records);
  const c = await compareAsync(async () => void (await handlerOnce(records, make(), streaming)), lowerBound);
  return {
    ...c, name: `consumer handler, ${work === 'statsd' ? "statsd's" : "PROM_RW_MODE=cumulative's"} work, ${streaming ? 'streaming' : 'plain'} provider`,
    work, side, chunk: make().maxBatchSize, compression, data, units: data, unitName: 'data', unitsPerSecond: data / (c.candidateMs / 1000),
  };
}

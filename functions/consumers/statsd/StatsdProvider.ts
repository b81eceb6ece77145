/**
 * The StatsD / DogStatsD provider: serialise (pure) → pack into datagrams (pure) → send through
 * the container's one hot-shots client, waiting until every send has completed.
 *
 * `send` returns only after the whole chunk is out, so the consumer handler never needs a
 * separate flush and Lambda never freezes the sandbox with metrics still queued. A failed or
 * timed-out send makes the whole chunk `retryable` (the handler retries it, then reports a batch
 * item failure): lines of the chunk that did go out are sent again — at-least-once, as
 * everywhere in the pipeline. Over UDP nothing fails visibly: a datagram the receiver drops
 * (not listening, buffer full) is lost without an error, because UDP has no acknowledgement.
 */
import { Tally } from '../../../shared/tally.ts';
import type { MetricData, SendContext, SendResult, StreamingProvider } from '../../../shared/consumer/types.ts';
import type { StatsdConfig } from './config.ts';
import { DatagramPacker } from './DatagramPacker.ts';
import { StatsdSerialiser } from './StatsdSerialiser.ts';
import { assertUdsAvailable, HotShotsTransport, type ClientFactory } from './HotShotsTransport.ts';

/** Test and local-run hooks. */
export interface StatsdProviderDeps {
  /** Makes the hot-shots client (default: `new StatsD(options)`). */
  clientFactory?: ClientFactory;
}

/**
 * @example
 * export const handler = createConsumerHandler(new StatsdProvider(loadStatsdConfig(process.env)));
 */
export class StatsdProvider implements StreamingProvider {
  readonly name = 'statsd';
  /** Reads each chunk once, serialising as it goes: no object per datum. */
  readonly streaming = true;
  readonly maxBatchSize: number;
  private readonly serialiser: StatsdSerialiser;
  private readonly transport: HotShotsTransport;

  constructor(
    private readonly config: StatsdConfig,
    deps: StatsdProviderDeps = {},
  ) {
    if (config.transport.protocol === 'uds' && deps.clientFactory === undefined) assertUdsAvailable();
    this.maxBatchSize = config.maxBatchSize;
    this.serialiser = new StatsdSerialiser(config.serialise);
    this.transport = new HotShotsTransport(config.transport, deps.clientFactory);
  }

  /**
   * The exact datagrams `send` would write for `data` (pure; also what the benchmark measures).
   * Problems are counted in `notes` (reasons from `SERIALISE_NOTES` and `PACK_NOTES`).
   */
  datagramsOf(data: MetricData, notes: Tally): string[] {
    const packer = new DatagramPacker(this.config.transport.maxDatagramBytes, notes);
    const s = this.serialiser;
    data.forEach((d) => s.append(d, packer, notes));
    return packer.finish();
  }

  async send(data: MetricData, ctx: SendContext): Promise<SendResult> {
    const notes = new Tally();
    const datagrams = this.datagramsOf(data, notes);
    if (notes.total > 0) {
      ctx.logger.warn('statsd translation notes', { counts: notes.counts, examples: notes.examples, data: data.length });
    }
    return this.transport.sendAll(datagrams, ctx.signal);
  }

  /** Drops the socket without flushing (simulates a Lambda freeze in tests). */
  abandon(): void {
    this.transport.abandon();
  }

  /** Closes the client gracefully (local runs and tests; never needed on Lambda). */
  close(): Promise<void> {
    return this.transport.close();
  }
}

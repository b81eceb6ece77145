/**
 * StatsD consumer throughput without network: Kinesis event records → decode → translate →
 * the exact datagram bytes `send` would write (lines packed into datagrams, `Buffer.from` as
 * hot-shots does before the socket write), chunked as the handler chunks (STATSD_MAX_BATCH_SIZE).
 * Compared, like Prometheus, with the lower bound base64 decode (+ gunzip) + JSON.parse of the
 * same records (`recordsLowerBound`). Target ≤ 2×.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { StatsdProvider } from '../../functions/consumers/statsd/StatsdProvider.ts';
import { loadStatsdConfig } from '../../functions/consumers/statsd/config.ts';
import type { RecordCompression } from '../../shared/record/format.ts';
import { Tally } from '../../shared/tally.ts';
import { forEachChunk, recordsLowerBound, type ConsumerBench } from './consumers.ts';
import { compare } from './measure.ts';

/**
 * One pass: the datagrams' bytes as the socket gets them. With `count`, also the lines, datagrams
 * and bytes produced; the timed runs do not count (reading the output back is not the consumer's work).
 */
function statsdOnce(records: readonly KinesisStreamRecord[], provider: StatsdProvider, chunk: number, count = false): { lines: number; datagrams: number; bytes: number } {
  const notes = new Tally();
  let lines = 0;
  let datagrams = 0;
  let bytes = 0;
  forEachChunk(records, chunk, (c) => {
    for (const d of provider.datagramsOf(c, notes)) {
      const buf = Buffer.from(d);
      bytes += buf.length;
      datagrams++;
      if (!count) continue;
      // Lines = separators + 1.
      lines++;
      for (let j = buf.indexOf(10); j >= 0; j = buf.indexOf(10, j + 1)) lines++;
    }
  });
  return { lines, datagrams, bytes };
}

/**
 * DogStatsD style with the defaults (what the Datadog Lambda extension gets), `env` to vary it.
 *
 * @example
 * const s = benchStatsd(consumerRecords(batches, 'gzip'), 'gzip');
 * // s.ratio is the candidate's time over the lower bound's, measured interleaved in the same run
 */
export function benchStatsd(records: readonly KinesisStreamRecord[], compression: RecordCompression, env: Record<string, string> = {}): ConsumerBench {
  const config = loadStatsdConfig(env);
  const provider = new StatsdProvider(config);
  const { lines } = statsdOnce(records, provider, config.maxBatchSize, true);
  const run = (): void => void statsdOnce(records, provider, config.maxBatchSize);
  const data = forEachChunk(records, config.maxBatchSize, () => undefined);
  const c = compare(run, () => void recordsLowerBound(records));
  return { ...c, name: `statsd (${config.serialise.style})`, compression, data, units: lines, unitName: 'lines', unitsPerSecond: lines / (c.candidateMs / 1000) };
}

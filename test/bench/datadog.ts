/**
 * Datadog HTTP API consumer throughput without network: Kinesis event records → decode → translate →
 * the request bodies as POSTed (deflate-compressed JSON), chunked as the handler chunks (`DD_BATCH_SIZE`'s
 * default). Measured in both modes (`DD_MODE`) against the lower bound the other consumers have, base64
 * decode (+ decompression) + JSON.parse of the same records (`recordsLowerBound`). Target ≤ 2×.
 */
import { inflateSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { compressBody } from '../../functions/consumers/datadog/client.ts';
import { loadDatadogConfig, type DatadogConfig, type DatadogMode } from '../../functions/consumers/datadog/config.ts';
import { SeriesState } from '../../functions/consumers/datadog/series.ts';
import { DatadogTranslator, type PointWindow } from '../../functions/consumers/datadog/translate.ts';
import type { RecordCompression } from '../../shared/record/format.ts';
import { forEachChunk, observationsOf, recordsLowerBound, type ConsumerBench } from './consumers.ts';
import { compare } from './measure.ts';

export interface DatadogBench extends ConsumerBench {
  mode: DatadogMode;
  /** Observed values in the data (`observationsOf`). */
  observations: number;
  /** Requests POSTed per run, and their bytes before and after compression. */
  requests: number;
  jsonBytes: number;
  wireBytes: number;
}

/** This container's writer tag value (fixed: a run's bodies do not depend on a random id). */
const BENCH_WRITER = 'bench0writer';

/** What one run produced: every body as sent, and the values the translator and the plans say they hold. */
interface Output {
  bodies: { json: string; wire: Buffer }[];
  /** distributions: observations sent; series: points written. */
  values: number;
  /** series: data whose change is in a written point. */
  changed: number;
}

/**
 * One pass, as `send` handles each chunk of a cold container when Datadog accepts every request: translate,
 * admit and plan the series points, compress each body (the wire format), then record them as accepted and
 * commit. A fresh series state per run, so every run writes the same points. With `keep`, the bodies are
 * kept for `verify`; the timed runs drop them (reading the output back is not the consumer's work).
 */
function datadogOnce(records: readonly KinesisStreamRecord[], translator: DatadogTranslator, config: DatadogConfig, window: PointWindow, keep = false): Output {
  const t = config.translate;
  const state = new SeriesState(t.maxSeries);
  const out: Output = { bodies: [], values: 0, changed: 0 };
  forEachChunk(records, config.batchSize, (c) => {
    const plan = translator.translate(c, window);
    const admitted = state.admit(plan.changes, plan.dropped, plan.lost);
    if (plan.dropped.total > 0) throw new Error(`bench datadog dropped data: ${JSON.stringify(plan.dropped.counts)}`);
    if (plan.stoppedAt !== undefined) throw new Error(`bench datadog cut a chunk at ${plan.stoppedAt} of ${plan.data}`);
    const series = state.plan(admitted, new Set(), t.maxRequestBytes).requests;
    for (const r of series) {
      const wire = compressBody(r.body);
      if (keep) out.bodies.push({ json: r.body, wire });
      out.values += r.values.length;
      out.changed += r.data;
    }
    for (const r of plan.distributions) {
      const wire = compressBody(r.body);
      if (keep) out.bodies.push({ json: r.body, wire });
      out.values += r.values;
    }
    for (const r of series) state.accepted(r);
    state.commit(admitted, 0, plan.data, new Set());
  });
  return out;
}

/** The window of the data's timestamps (the bench measures translation, not dropping). */
function windowOf(records: readonly KinesisStreamRecord[], chunk: number): PointWindow {
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  forEachChunk(records, chunk, (c) =>
    c.forEach((d) => {
      if (d.timestamp < oldest) oldest = d.timestamp;
      if (d.timestamp > newest) newest = d.timestamp;
    }),
  );
  return { oldest, newest };
}

/** The values the bodies themselves hold (distribution values, series points), read back from the wire bytes. */
export function bodyValues(wire: Buffer): { values: number; json: string } {
  const json = inflateSync(wire).toString('utf8');
  const body = JSON.parse(json) as { series: { points: unknown[] }[] };
  let values = 0;
  for (const s of body.series) {
    for (const p of s.points) values += Array.isArray(p) ? (p[1] as unknown[]).length : 1;
  }
  return { values, json };
}

/**
 * Checks a run's output: every body inflates to its JSON; in `distributions` mode the bodies hold one value
 * per observation of the data; in `series` mode every datum's change is in a written point. Returns the
 * requests and their bytes.
 */
function verify(out: Output, mode: DatadogMode, data: number, observations: number): { requests: number; jsonBytes: number; wireBytes: number } {
  let values = 0;
  let jsonBytes = 0;
  let wireBytes = 0;
  for (const b of out.bodies) {
    const read = bodyValues(b.wire);
    if (read.json !== b.json) throw new Error('bench datadog: a compressed body does not inflate to its JSON');
    values += read.values;
    jsonBytes += Buffer.byteLength(b.json);
    wireBytes += b.wire.length;
  }
  if (values !== out.values) throw new Error(`bench datadog: the bodies hold ${values} values, the requests say ${out.values}`);
  if (mode === 'distributions' && values !== observations) throw new Error(`bench datadog: the bodies hold ${values} values for ${observations} observations`);
  if (mode === 'series' && out.changed !== data) throw new Error(`bench datadog: the points written carry ${out.changed} data of ${data}`);
  return { requests: out.bodies.length, jsonBytes, wireBytes };
}

/**
 * The Datadog consumer in `mode` with the defaults otherwise, `env` to vary them.
 *
 * @example
 * const d = benchDatadog(consumerRecords(batches, 'brotli'), 'brotli', 'series');
 * // d.ratio is the candidate's time over the lower bound's, measured interleaved in the same run
 */
export function benchDatadog(records: readonly KinesisStreamRecord[], compression: RecordCompression, mode: DatadogMode, env: Record<string, string> = {}): DatadogBench {
  const config = loadDatadogConfig({ DD_API_KEY_REF: 'secretsmanager:datadog/api-key', DD_MODE: mode, ...env });
  // The metric and tag caches of a warm container; the series state is each run's own (see `datadogOnce`).
  const translator = new DatadogTranslator(config.translate, BENCH_WRITER);
  const window = windowOf(records, config.batchSize);
  let observations = 0;
  const data = forEachChunk(records, config.batchSize, (c) => c.forEach((d) => void (observations += observationsOf(d.value))));
  const out = datadogOnce(records, translator, config, window, true);
  const sizes = verify(out, mode, data, observations);
  const c = compare(() => void datadogOnce(records, translator, config, window), () => void recordsLowerBound(records));
  const unitName = mode === 'distributions' ? 'values' : 'points';
  return {
    ...c, name: `datadog, DD_MODE=${mode}`, mode, compression, data, observations, ...sizes,
    units: out.values, unitName, unitsPerSecond: out.values / (c.candidateMs / 1000),
  };
}

/**
 * Child process of the bench: one stage's comparison in a fresh process, printed as JSON.
 * `run.ts` runs each stage in several processes and reports the median: on a shared machine a single
 * process's ratio can be off by 15 % (JIT decisions, neighbours), and a fresh process per sample keeps
 * one stage's heap and compiled code out of the next stage's measurement.
 * Usage: tsx test/bench/stage.ts <fixture lines JSON file> <StageRequest JSON>
 */
import { readFileSync } from 'node:fs';
import type { FixtureLine } from '../fixtures/types.ts';
import { buildBatches, CORPUS } from './corpus.ts';
import { benchPrometheus, consumerRecords } from './consumers.ts';
import { benchDatadog } from './datadog.ts';
import { benchForwarder, type ForwarderOptions } from './forwarder.ts';
import { benchHandler, type HandlerSide, type HandlerWork } from './handler.ts';
import { benchStatsd } from './statsd.ts';
import type { DatadogMode } from '../../functions/consumers/datadog/config.ts';
import type { Mode } from '../../functions/consumers/prometheus/config.ts';
import type { RecordCompression } from '../../shared/record/format.ts';

export type StageRequest =
  | { stage: 'forwarder'; options: ForwarderOptions }
  | { stage: 'prometheus'; compression: RecordCompression; mode: Mode }
  | { stage: 'statsd'; compression: RecordCompression }
  | { stage: 'datadog'; compression: RecordCompression; mode: DatadogMode }
  | { stage: 'handler'; compression: RecordCompression; work: HandlerWork; side: HandlerSide };


const [file, request] = process.argv.slice(2);
const lines = JSON.parse(readFileSync(file!, 'utf8')) as FixtureLine[];
const batches = buildBatches(lines, CORPUS);
const req = JSON.parse(request!) as StageRequest;
const result =
  req.stage === 'forwarder'
    ? benchForwarder(batches, req.options)
    : req.stage === 'prometheus'
      ? benchPrometheus(consumerRecords(batches, req.compression), req.compression, req.mode)
      : req.stage === 'statsd'
        ? benchStatsd(consumerRecords(batches, req.compression), req.compression)
        : req.stage === 'datadog'
          ? benchDatadog(consumerRecords(batches, req.compression), req.compression, req.mode)
          : await benchHandler(consumerRecords(batches, req.compression), req.compression, req.work, req.side);
process.stdout.write(JSON.stringify(result) + '\n');

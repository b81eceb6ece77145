/**
 * Child process of `npm run bench:instructions` (instructions.ts): builds the bench corpus, warms both sides up
 * (the forwarder and its lower bound, as the wall-clock bench does), then runs one side `K` times. The runner
 * runs it under valgrind's cachegrind with two values of `K`: the difference of the two counts, divided by the
 * difference of `K`, is the instructions of one run, without start-up, corpus building or warm-up.
 * Usage: node --import tsx test/bench/count.ts <fixture lines JSON file> <forwarder options JSON> forwarder|lower-bound <K>
 */
import { readFileSync } from 'node:fs';
import type { FixtureLine } from '../fixtures/types.ts';
import { buildBatches, CORPUS } from './corpus.ts';
import { forwarderOnce, lowerBoundOnce, type ForwarderOptions } from './forwarder.ts';

/** Warm-up runs of each side: enough that the counted runs find their code optimised (measured: 5 left a 2 % spread). */
const WARMUP = 15;

const [file, options, side, k] = process.argv.slice(2);
const batches = buildBatches(JSON.parse(readFileSync(file!, 'utf8')) as FixtureLine[], CORPUS);
const opts = JSON.parse(options!) as ForwarderOptions;
if (side !== 'forwarder' && side !== 'lower-bound') throw new Error(`side must be forwarder or lower-bound, got ${side}`);
for (let i = 0; i < WARMUP; i++) {
  forwarderOnce(batches, opts);
  lowerBoundOnce(batches);
}
const runs = Number(k);
for (let i = 0; i < runs; i++) {
  if (side === 'forwarder') forwarderOnce(batches, opts);
  else lowerBoundOnce(batches);
}

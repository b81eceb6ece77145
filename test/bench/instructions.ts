/**
 * `npm run bench:instructions`: the forwarder's ratio to its lower bound in instructions executed per corpus run,
 * counted by valgrind (see cachegrind.ts), for the same corpus and configurations as `npm run bench`. Each side
 * runs in two processes (10 and 40 runs after the warm-up of count.ts), side by side on two cores, with V8
 * single-threaded; one configuration takes two to three minutes. Needs valgrind.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFixtureLines } from '../fixtures/generate.ts';
import { countInstructions, perRun } from './cachegrind.ts';
import { FORWARDER_CASES, type ForwarderOptions } from './forwarder.ts';

const FEWER = 10;
const MORE = 40;

const lines = await generateFixtureLines();
const linesFile = join(mkdtempSync(join(tmpdir(), 'emf-bench-')), 'lines.json');
writeFileSync(linesFile, JSON.stringify(lines));

async function instructionsPerRun(options: ForwarderOptions, side: 'forwarder' | 'lower-bound'): Promise<number> {
  // V8 single-threaded: no concurrent compiler or collector threads, whose timing otherwise moved repeated counts by up to 2 %.
  const args = (k: number) => ['--single-threaded', '--import', 'tsx', join(import.meta.dirname, 'count.ts'), linesFile, JSON.stringify(options), side, String(k)];
  const [fewer, more] = await Promise.all([countInstructions(args(FEWER)), countInstructions(args(MORE))]);
  return perRun(fewer, more, FEWER, MORE);
}

const millions = (n: number) => (n / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const lowerBound = await instructionsPerRun(FORWARDER_CASES[0]!, 'lower-bound');
const rows = ['| forwarder | instructions per corpus run | lower bound | ratio | target |', '|---|---|---|---|---|'];
for (const options of FORWARDER_CASES) {
  const candidate = await instructionsPerRun(options, 'forwarder');
  rows.push(`| RECORD_COMPRESSION=${options.compression}, PLATFORM_METRICS=${options.platformMetrics} | ${millions(candidate)} M | ${millions(lowerBound)} M | ${(candidate / lowerBound).toFixed(2)}× | ≤ 1.3× |`);
  process.stderr.write(`${rows.at(-1)}\n`);
}
process.stdout.write(`\nemf-fanout instruction counts — node ${process.version}, ${process.arch}, valgrind cachegrind\n\n${rows.join('\n')}\n`);

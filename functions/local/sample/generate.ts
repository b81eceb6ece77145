/**
 * Regenerates `functions/local/sample/sample.json`, the default input of `npm start`, from the
 * fixture generator: the real producer libraries (aws-embedded-metrics, Powertools) run as Lambda
 * would run them, plus the documented hand-written shapes, invalid documents and platform lines.
 *
 *   npx tsx functions/local/sample/generate.ts
 *
 * A development tool: it imports the fixture generator from `test/`, which `npm start` itself
 * never does (it only reads the JSON this script writes).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateFixtureLines } from '../../../test/fixtures/generator.ts';

/** Lines larger than this stay out of the sample (the 1 MB "document too large" fixture would dwarf the rest). */
const MAX_SAMPLE_MESSAGE_BYTES = 16_384;
export const SAMPLE_FILE = fileURLToPath(new URL('./sample.json', import.meta.url));

async function main(): Promise<void> {
  const lines = (await generateFixtureLines())
    .filter((l) => Buffer.byteLength(l.message) <= MAX_SAMPLE_MESSAGE_BYTES)
    .map(({ scenario, producer, logGroup, logStream, timestamp, message }) => ({ scenario, producer, logGroup, logStream, timestamp, message }));
  const head = `{"generatedAt":${JSON.stringify(new Date().toISOString())},"generator":"functions/local/sample/generate.ts","lines":[\n`;
  writeFileSync(SAMPLE_FILE, head + lines.map((l) => JSON.stringify(l)).join(',\n') + '\n]}\n');
  process.stdout.write(`wrote ${lines.length} lines to ${SAMPLE_FILE}\n`);
}

await main();

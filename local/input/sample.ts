/**
 * The default input of `npm start`: log lines written by the real producer libraries
 * (aws-embedded-metrics in TEXT and JSON log formats, Powertools, the Lambda platform's REPORT and
 * timeout lines, plain application logs, and the invalid documents the forwarder must reject),
 * recorded once by `test/fixtures/sample.ts` (`npm run sample`) and moved to the present at load time.
 *
 * Recorded rather than produced at start: no child processes, the same content on every run, and
 * no dependency on `test/` or on the producer libraries at run time.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventsOfJson, isIssue } from './jsonInput.ts';
import { rebaseEvents } from './rebase.ts';
import type { InputEvent } from './types.ts';

export const SAMPLE_FILE = fileURLToPath(new URL('../sample/sample.json', import.meta.url));

/** The sample's events, shifted so that the newest is at `now`. Throws if the bundled file is damaged. */
export function loadSample(now: number, file: string = SAMPLE_FILE): InputEvent[] {
  const doc: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const events: InputEvent[] = [];
  const defaults = { logGroup: '/aws/lambda/sample', logStream: 'sample', now: () => now };
  for (const item of eventsOfJson(doc, 'events', defaults)) {
    if (isIssue(item)) throw new Error(`the bundled sample ${file} is damaged: ${item.detail}`);
    events.push(item);
  }
  return rebaseEvents(events, now);
}

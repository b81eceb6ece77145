/** The bundled sample (default input of `npm start`): real producer output, moved to the present. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSample, SAMPLE_FILE } from '../../../local/input/sample.ts';

describe('loadSample', () => {
  it('returns every recorded line with the newest at now and the recorded spacing, and messages that differ only in their times', () => {
    const recorded = (JSON.parse(readFileSync(SAMPLE_FILE, 'utf8')) as { lines: { producer: string; timestamp: number; message: string }[] }).lines;
    const now = Date.now();

    const events = loadSample(now);

    expect(events).toHaveLength(recorded.length);
    expect(Math.max(...events.map((e) => e.timestamp))).toBe(now);
    const delta = events[0]!.timestamp - recorded[0]!.timestamp;
    events.forEach((e, i) => {
      expect(e.timestamp - recorded[i]!.timestamp).toBe(delta);
      const digitsOnly = (s: string) => s.replace(/\d/g, '0');
      expect(digitsOnly(e.message)).toBe(digitsOnly(recorded[i]!.message));
    });
    // The sample is what the real libraries wrote, not hand-made only.
    expect(new Set(recorded.map((l) => l.producer))).toEqual(new Set(['aws-embedded-metrics', 'powertools', 'plain', 'handwritten', 'lambda-platform']));
  });
});

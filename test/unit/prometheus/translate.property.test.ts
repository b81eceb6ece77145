/**
 * fast-check: whatever dimension keys and values EMF documents carry, the translation produces
 * requests that satisfy the Remote-Write 1.0 rules (the real-Prometheus suite sends such requests
 * to Prometheus as well).
 */
import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { describe, expect, it } from 'vitest';
import { createTranslator } from '../../../functions/consumers/prometheus/translate.ts';
import { encodeWriteRequestProto } from '../../../functions/consumers/prometheus/writeRequest.ts';
import { isStatisticSet } from '../../../shared/consumer/types.ts';
import { arbitraryData } from '../../helpers/prometheusArbitraries.ts';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

describe('translation properties', () => {
  it('valid names, sorted unique labels, no empty values, time-ordered unique samples, limits kept, nothing lost', () => {
    fc.assert(
      fc.property(
        arbitraryData(),
        fc.record({
          nameCase: fc.constantFrom('snake' as const, 'preserve' as const),
          dimensionMode: fc.constantFrom('per-set' as const, 'union' as const),
          maxSamplesPerRequest: fc.integer({ min: 1, max: 50 }),
          // Far below the configurable minimum (4096), to exercise splitting.
          maxRequestBytes: fc.integer({ min: 100, max: 20_000 }),
        }),
        (data, options) => {
          const r = createTranslator(options).translate(data);
          const seen = new Map<string, number>(); // series → last timestamp over all requests
          let samples = 0;
          for (const [i, req] of r.requests.entries()) {
            expect(req.samples).toBeLessThanOrEqual(options.maxSamplesPerRequest);
            const size = encodeWriteRequestProto(req.request).length;
            expect(size).toBe(req.bytes);
            const single = req.request.timeseries.length === 1 && req.samples === 1;
            if (!single) expect(size).toBeLessThanOrEqual(options.maxRequestBytes);
            const inRequest = new Set<string>();
            for (const s of req.request.timeseries) {
              const names = s.labels.map((l) => l.name);
              expect([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(names);
              expect(new Set(names).size).toBe(names.length);
              const metric = s.labels.find((l) => l.name === '__name__')?.value;
              expect(metric).toMatch(METRIC_NAME);
              for (const l of s.labels) {
                expect(l.value).not.toBe('');
                expect(Buffer.from(l.value, 'utf8').toString('utf8')).toBe(l.value); // valid UTF-8 (no lone surrogate)
                if (l.name !== '__name__') {
                  expect(l.name).toMatch(LABEL_NAME);
                  expect(l.name.startsWith('__')).toBe(false);
                }
              }
              const key = JSON.stringify(s.labels);
              expect(inRequest.has(key), 'one series per label set in a request').toBe(false);
              inRequest.add(key);
              expect(s.samples.length).toBeGreaterThan(0);
              for (let j = 1; j < s.samples.length; j++) expect(s.samples[j]!.timestamp).toBeGreaterThan(s.samples[j - 1]!.timestamp);
              const last = seen.get(key);
              if (last !== undefined) {
                // A series continues only in the next request, marked as such, and later in time.
                expect(req.continuesPrevious).toBe(true);
                expect(s.samples[0]!.timestamp).toBeGreaterThan(last);
                expect(i).toBeGreaterThan(0);
              }
              seen.set(key, s.samples[s.samples.length - 1]!.timestamp);
              samples += s.samples.length;
            }
          }
          expect(samples).toBe(r.samples);
          // Every observation is a sample or merged into one; union mode also skips the copies of other sets.
          const observations = data.reduce((n, d) => n + (typeof d.value === 'number' ? 1 : isStatisticSet(d.value) ? 4 : d.value.length), 0);
          const skippedObservations = options.dimensionMode === 'per-set' ? 0 : undefined;
          if (skippedObservations === 0) expect(r.samples + r.merged).toBe(observations);
          else expect(r.samples + r.merged).toBeLessThanOrEqual(observations);
        },
      ),
      { numRuns: fuzzRuns(300) },
    );
  });
});

/** fast-check arbitraries of `MetricDatum`s with hostile names, keys and values (shared by the unit and real-Prometheus property tests). */
import fc from 'fast-check';
import type { MetricDatum, MetricValue } from '../../shared/consumer/types.ts';
import { EMF_UNITS } from '../../shared/emf/constants.ts';

/** Keys as EMF allows them (1–250 characters), biased towards collisions and reserved-looking names. */
const key = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
  fc.constantFrom('__name__', 'FunctionName', 'function_name', 'Function Name', '9lives', ':colon', 'ÄÖÜ', 'le', 'job', '_', '__'),
);
const value = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
  fc.constant(''),
  // Lone surrogates: possible in a JS string (a JSON "\\ud800" escape), invalid in UTF-8.
  fc.constantFrom('\ud800', 'x\udfff', '\ud83d\ude00'),
);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

const metricValue: fc.Arbitrary<MetricValue> = fc.oneof(
  finite,
  fc.array(finite, { minLength: 1, maxLength: 5 }).map((values): MetricValue => values),
  fc.tuple(finite, finite, finite, fc.nat({ max: 1000 })).map(([sum, min, max, count]): MetricValue => ({ sum, min, max, count })),
);

/** @param baseTime timestamps fall within 10 minutes after it. */
export function arbitraryData(baseTime = 1_790_000_000_000): fc.Arbitrary<MetricDatum[]> {
  const datum = fc
    .record({
      namespace: fc.oneof(fc.constantFrom('App', 'AWS/Lambda', 'aws-embedded-metrics'), fc.string({ minLength: 1, maxLength: 10 })),
      name: fc.oneof(fc.constantFrom('Latency', 'Errors', 'p99.latency'), fc.string({ minLength: 1, maxLength: 10 })),
      unit: fc.constantFrom(...EMF_UNITS),
      offset: fc.integer({ min: 0, max: 600_000 }),
      value: metricValue,
      dimensions: fc.dictionary(key, value, { maxKeys: 6 }),
      eventId: fc.constantFrom('e1', 'e2', 'e3'),
    })
    .map(
      (r): MetricDatum => ({
        namespace: r.namespace,
        name: r.name,
        unit: r.unit,
        storageResolution: 60,
        timestamp: baseTime + r.offset,
        value: r.value,
        dimensions: r.dimensions,
        directiveDimensions: r.dimensions,
        properties: {},
        source: { account: '111122223333', region: 'eu-west-1', logGroup: '/aws/lambda/f', logStream: 's', eventId: r.eventId, origin: 'emf' },
      }),
    );
  return fc.array(datum, { maxLength: 40 });
}

/** Builders for the StatsD unit tests: data as the consumer core hands them to providers. */
import { expect } from 'vitest';
import { loadStatsdConfig } from '../../../functions/consumers/statsd/config.ts';
import { StatsdSerialiser, type LineSink } from '../../../functions/consumers/statsd/StatsdSerialiser.ts';
import type { MetricDatum, MetricValue } from '../../../shared/consumer/types.ts';
import { Tally } from '../../../shared/tally.ts';

const SOURCE = Object.freeze({
  account: '123456789012',
  region: 'eu-west-1',
  logGroup: '/aws/lambda/orders',
  logStream: '2026/11/23/[$LATEST]abc',
  eventId: '1',
  origin: 'emf' as const,
});

/** A datum in namespace `N`, metric `m`, dimension `D=x`, unit None, unless overridden. */
export function datum(p: Omit<Partial<MetricDatum>, 'value'> & { value?: MetricValue | number | number[] } = {}): MetricDatum {
  const v = p.value ?? 1;
  const dimensions = p.dimensions ?? { D: 'x' };
  return {
    namespace: 'N',
    name: 'm',
    unit: 'None',
    storageResolution: 60,
    timestamp: 1_763_900_000_500,
    dimensions,
    directiveDimensions: dimensions,
    properties: {},
    source: SOURCE,
    ...p,
    value: v,
  };
}

/**
 * The lines `env`'s serialiser writes for `data`, and what it counted. Every line's byte length,
 * as the serialiser adds it up for the packer, is checked against `Buffer.byteLength`.
 */
export function linesOf(data: MetricDatum | readonly MetricDatum[], env: Record<string, string> = {}): { lines: string[]; notes: Tally } {
  const s = new StatsdSerialiser(loadStatsdConfig(env).serialise);
  const lines: string[] = [];
  const sink: LineSink = {
    add(line, bytes) {
      expect(bytes, `byte length of ${JSON.stringify(line)}`).toBe(Buffer.byteLength(line));
      lines.push(line);
    },
  };
  const notes = new Tally();
  for (const d of Array.isArray(data) ? data : [data as MetricDatum]) s.append(d, sink, notes);
  return { lines, notes };
}

/**
 * Reads a pipeline metrics document back the way the rest of the project reads EMF: the forwarder's
 * validator (`validateEmf`) and the consumer's decoding (`emfToData`), never the builder's own code.
 */
import { expect } from 'vitest';
import { emfToData } from '../../../shared/consumer/emfToData.ts';
import type { MetricDatum } from '../../../shared/consumer/types.ts';
import { validateEmf } from '../../../shared/emf/validate.ts';
import { Tally } from '../../../shared/tally.ts';

const SOURCE = { account: '1', region: 'r', logGroup: '/aws/lambda/emf-fanout-dev-forwarder', logStream: 's', eventId: 'e', origin: 'emf' } as const;

/** The data of one document, after checking it is valid EMF, decodes without a problem and holds one directive. */
export function readDocument(line: string): MetricDatum[] {
  const doc = JSON.parse(line) as Record<string, unknown>;
  expect(validateEmf(doc)).toBeUndefined();
  const issues = { dropped: new Tally(), warnings: new Tally() };
  const data = emfToData(doc, SOURCE, 0, issues);
  expect(issues.dropped.counts).toEqual({});
  expect(issues.warnings.counts).toEqual({});
  return data;
}

/** Per metric name: the value (a number) or the samples (an array, concatenated over documents). */
export function readDocuments(lines: readonly string[]): Map<string, number | number[]> {
  const out = new Map<string, number | number[]>();
  for (const line of lines) {
    for (const d of readDocument(line)) {
      if (Array.isArray(d.value)) {
        const prev = out.get(d.name) ?? [];
        expect(Array.isArray(prev)).toBe(true);
        out.set(d.name, [...(prev as number[]), ...(d.value as number[])]);
      } else {
        expect(out.has(d.name)).toBe(false);
        out.set(d.name, d.value as number);
      }
    }
  }
  return out;
}

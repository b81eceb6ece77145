import { describe, expect, it } from 'vitest';
import { observationsOf } from '../../bench/consumers.ts';
import { compare } from '../../bench/measure.ts';

describe('consumer bench (npm run bench)', () => {
  it('counts the observed values of a datum: a number one, an array its length, a statistic set its count', () => {
    expect(observationsOf(3.5)).toBe(1);
    expect(observationsOf([1, 2, 2])).toBe(3);
    expect(observationsOf({ sum: 10, min: 1, max: 5, count: 4 })).toBe(4);
    expect(observationsOf({ sum: 6, min: 1, max: 2, count: 5, values: [1, 2], counts: [4, 1] })).toBe(5);
  });

  it('reports CPU time beside wall time, and the ratio of the wall times', () => {
    const busy = (ms: number) => () => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const c = compare(busy(2), busy(1), 2, 2, 1);
    expect(c.ratio).toBe(c.candidateMs / c.lowerBoundMs);
    expect(c.candidateCpuMs).toBeGreaterThan(0);
    expect(c.lowerBoundCpuMs).toBeGreaterThan(0);
  });
});

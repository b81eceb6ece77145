import { describe, expect, it } from 'vitest';
import { instructionCount, perRun } from '../../bench/cachegrind.ts';

describe('instruction counts (npm run bench:instructions)', () => {
  it("reads cachegrind's total from valgrind's standard error", () => {
    const stderr = [
      '==32592== Cachegrind, a high-precision tracing profiler',
      '==32592== Command: /usr/bin/node --import tsx test/bench/count.ts',
      '==32592== ',
      '==32592== I   refs:      12,864,014,497',
    ].join('\n');
    expect(instructionCount(stderr)).toBe(12_864_014_497);
  });

  it('fails with the end of the output when there is no total (valgrind stopped early)', () => {
    expect(() => instructionCount('==1== Killed by signal 9')).toThrow(/no instruction count.*Killed by signal 9/);
  });

  it('takes one run as the difference of two counts over the difference of runs', () => {
    expect(perRun(8_500_000_000, 14_300_000_000, 10, 40)).toBeCloseTo(193_333_333.33, 1);
    expect(() => perRun(1, 2, 10, 10)).toThrow(/more runs/);
  });
});

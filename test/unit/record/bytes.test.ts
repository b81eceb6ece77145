import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { describe, expect, it } from 'vitest';
import { putNumber } from '../../../shared/record/bytes.ts';

describe('putNumber writes String(n)', () => {
  const written = (n: number): string => {
    const out = Buffer.alloc(64, 0xee);
    const end = putNumber(out, 3, n);
    return out.toString('latin1', 3, end);
  };

  it('for numbers with decimals, and near the integers it writes digit by digit', () => {
    for (const n of [1e12 - 0.5, 2 ** 53, -1, -0, 0.01, 0.05, 0.1, 0.5, 0.99, 1.05, 26.73, 46.84, 3000.5, 3068.52, 99.99, 9_999_999_999_999.99, 1e13 + 0.5, 1.005, 26.7300000001, 1e-7, 0.001]) {
      expect(written(n)).toBe(String(n));
    }
  });

  it('for any non-negative number, and any decimal of up to 15 digits with up to 3 after the point', () => {
    const decimal = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }), fc.integer({ min: 0, max: 3 }))
      .map(([digits, places]) => Number(places === 0 ? `${digits}` : `${digits / 10n ** BigInt(places)}.${`${digits % 10n ** BigInt(places)}`.padStart(places, '0')}`));
    fc.assert(fc.property(fc.oneof(decimal, fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), fc.nat()), (n) => {
      expect(written(n)).toBe(String(n));
    }), { numRuns: fuzzRuns(20_000) });
  });
});

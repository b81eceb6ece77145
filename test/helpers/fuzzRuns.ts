/**
 * How many runs a fast-check property gets, from `FUZZ_RUNS` (read here only):
 * - unset (`npm test`): a tenth of the property's full count, at least 20 (never more than the full
 *   count), so the whole suite stays quick and still tries every property on fresh random input;
 * - `full` (`npm run test:fuzz`, which CI runs before `npm test`): the full count each property names;
 * - a number: that many runs for every property, for a longer search (`FUZZ_RUNS=100000 npm run test:fuzz`).
 *
 * A failure prints fast-check's seed and path; rerun with them (`fc.assert(…, { seed, path })`) to reproduce.
 *
 * @example fc.assert(property, { numRuns: fuzzRuns(500) }) // 50 in npm test, 500 in npm run test:fuzz
 */
const SMALL_FRACTION = 10;
const MIN_SMALL_RUNS = 20;

export function fuzzRuns(full: number): number {
  const setting = (process.env.FUZZ_RUNS ?? '').trim();
  if (setting === 'full') return full;
  if (/^[1-9]\d*$/.test(setting)) return Number(setting);
  if (setting !== '') throw new Error(`FUZZ_RUNS must be "full" or a positive number of runs, got "${setting}"`);
  return Math.min(full, Math.max(MIN_SMALL_RUNS, Math.ceil(full / SMALL_FRACTION)));
}

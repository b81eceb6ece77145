/**
 * Declared types in StatsD lines (docs/statsd.md, the mapping table): a metric the metrics scraper declares takes that
 * type whatever its unit, overrides still win, and the serialiser's per-metric cache follows the declared type.
 */
import { describe, expect, it } from 'vitest';
import { datum, linesOf } from './helpers.ts';

describe('declared types', () => {
  it('a Count declared gauge is a |g line; declared count is a counter; declared distribution takes STATSD_TIME_TYPE', () => {
    expect(linesOf(datum({ unit: 'Count', type: 'gauge', value: 12 })).lines).toEqual(['N.m:12|g|#D:x']);
    expect(linesOf(datum({ unit: 'None', type: 'count', value: [1, 2] })).lines).toEqual(['N.m:3|c|#D:x']);
    expect(linesOf(datum({ unit: 'Count', type: 'distribution', value: [1, 2] })).lines).toEqual(['N.m:1|d|#D:x', 'N.m:2|d|#D:x']);
    expect(linesOf(datum({ unit: 'Count', type: 'distribution', value: 4 }), { STATSD_STYLE: 'telegraf' }).lines).toEqual(['N.m,D=x:4|ms']);
  });

  it('a declared gauge of a time unit still travels in milliseconds', () => {
    expect(linesOf(datum({ unit: 'Seconds', type: 'gauge', value: 2 })).lines).toEqual(['N.m:2000|g|#D:x']);
  });

  it('STATSD_TYPE_OVERRIDES wins over the declared type', () => {
    expect(linesOf(datum({ name: 'ConcurrentExecutions', unit: 'Count', type: 'gauge', value: 5 }), { STATSD_TYPE_OVERRIDES: 'Concurrent*=histogram' }).lines)
      .toEqual(['N.ConcurrentExecutions:5|h|#D:x']);
  });

  it('one serialiser: the same metric undeclared, declared gauge, then undeclared again gets each its own type', () => {
    const data = [datum({ unit: 'Count', value: 1 }), datum({ unit: 'Count', type: 'gauge', value: 2 }), datum({ unit: 'Count', value: 3 })];
    expect(linesOf(data).lines).toEqual(['N.m:1|c|#D:x', 'N.m:2|g|#D:x', 'N.m:3|c|#D:x']);
  });
});

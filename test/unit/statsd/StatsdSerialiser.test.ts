/**
 * The serialiser against the documented mapping table and line formats (docs/statsd.md). Every expected line is written out by hand from the documentation.
 */
import { describe, expect, it } from 'vitest';
import { datum, linesOf } from './helpers.ts';

describe('mapping table', () => {
  it('Count → counter incremented by the value (arrays and statistic sets: their sum)', () => {
    expect(linesOf(datum({ unit: 'Count', value: 3 })).lines).toEqual(['N.m:3|c|#D:x']);
    expect(linesOf(datum({ unit: 'Count', value: [1, 2, 3.5] })).lines).toEqual(['N.m:6.5|c|#D:x']);
    expect(linesOf(datum({ unit: 'Count', value: { sum: 10, min: 1, max: 5, count: 4 } })).lines).toEqual(['N.m:10|c|#D:x']);
  });

  it('time units → distribution (DogStatsD) or timing (Telegraf, StatsD), in milliseconds, one line per value', () => {
    expect(linesOf(datum({ unit: 'Milliseconds', value: [5, 7] })).lines).toEqual(['N.m:5|d|#D:x', 'N.m:7|d|#D:x']);
    expect(linesOf(datum({ unit: 'Seconds', value: 1.5 })).lines).toEqual(['N.m:1500|d|#D:x']);
    expect(linesOf(datum({ unit: 'Microseconds', value: 250 })).lines).toEqual(['N.m:0.25|d|#D:x']);
    expect(linesOf(datum({ unit: 'Milliseconds', value: 5 }), { STATSD_STYLE: 'telegraf' }).lines).toEqual(['N.m,D=x:5|ms']);
    expect(linesOf(datum({ unit: 'Seconds', value: 2 }), { STATSD_STYLE: 'statsd' }).lines).toEqual(['N.m.D.x:2000|ms']);
    expect(linesOf(datum({ unit: 'Milliseconds', value: 5 }), { STATSD_TIME_TYPE: 'histogram' }).lines).toEqual(['N.m:5|h|#D:x']);
    expect(linesOf(datum({ unit: 'Milliseconds', value: 5 }), { STATSD_TIME_TYPE: 'timing' }).lines).toEqual(['N.m:5|ms|#D:x']);
  });

  it('other units → gauge by default, histogram or distribution by STATSD_VALUE_TYPE; values unchanged', () => {
    expect(linesOf(datum({ unit: 'None', value: 4 })).lines).toEqual(['N.m:4|g|#D:x']);
    expect(linesOf(datum({ unit: 'Percent', value: 50 })).lines).toEqual(['N.m:50|g|#D:x']);
    expect(linesOf(datum({ unit: 'Kilobytes', value: 3.5 })).lines).toEqual(['N.m:3.5|g|#D:x']);
    expect(linesOf(datum({ unit: 'Bytes/Second', value: [1, 2] })).lines).toEqual(['N.m:1|g|#D:x', 'N.m:2|g|#D:x']);
    expect(linesOf(datum({ value: 4 }), { STATSD_VALUE_TYPE: 'histogram' }).lines).toEqual(['N.m:4|h|#D:x']);
    expect(linesOf(datum({ value: 4 }), { STATSD_VALUE_TYPE: 'distribution' }).lines).toEqual(['N.m:4|d|#D:x']);
  });

  it('STATSD_TYPE_OVERRIDES: glob on the metric name, first match wins, time values still in ms', () => {
    const env = { STATSD_TYPE_OVERRIDES: 'Lat*=gauge,*=histogram,Orders=distribution' };
    expect(linesOf(datum({ name: 'Latency', unit: 'Seconds', value: 2 }), env).lines).toEqual(['N.Latency:2000|g|#D:x']);
    expect(linesOf(datum({ name: 'Orders', unit: 'Count', value: [1, 2] }), env).lines).toEqual(['N.Orders:1|h|#D:x', 'N.Orders:2|h|#D:x']);
    expect(linesOf(datum({ name: 'L?t', unit: 'Count', value: 1 }), { STATSD_TYPE_OVERRIDES: 'L?t=gauge' }).lines).toEqual(['N.L_t:1|g|#D:x']);
    expect(linesOf(datum({ name: 'Lxt', unit: 'Count', value: 1 }), { STATSD_TYPE_OVERRIDES: 'L?t=gauge' }).lines).toEqual(['N.Lxt:1|g|#D:x']);
    expect(linesOf(datum({ name: 'Lxxt', unit: 'Count', value: 1 }), { STATSD_TYPE_OVERRIDES: 'L?t=gauge' }).lines).toEqual(['N.Lxxt:1|c|#D:x']);
    // Regex characters in a pattern are literal.
    expect(linesOf(datum({ name: 'a.b', unit: 'Count', value: 1 }), { STATSD_TYPE_OVERRIDES: 'a.b=gauge' }).lines).toEqual(['N.a.b:1|g|#D:x']);
    expect(linesOf(datum({ name: 'axb', unit: 'Count', value: 1 }), { STATSD_TYPE_OVERRIDES: 'a.b=gauge' }).lines).toEqual(['N.axb:1|c|#D:x']);
  });
});

describe('statistic sets (sample counts honoured)', () => {
  const stats = (p: { sum: number; min: number; max: number; count: number; values?: number[]; counts?: number[] }) => ({ ...p });

  it('Values with Counts: each value once, weighted by |@1/count', () => {
    const d = datum({ unit: 'Milliseconds', value: stats({ values: [10, 20], counts: [3, 1], sum: 50, min: 10, max: 20, count: 4 }) });
    expect(linesOf(d).lines).toEqual(['N.m:10|d|@0.3333333333333333|#D:x', 'N.m:20|d|#D:x']);
  });

  it('a zero count observes nothing; Values without Counts count 1 each (CloudWatch)', () => {
    expect(linesOf(datum({ unit: 'Milliseconds', value: stats({ values: [1, 2], counts: [0, 2], sum: 4, min: 2, max: 2, count: 2 }) })).lines).toEqual(['N.m:2|d|@0.5|#D:x']);
    expect(linesOf(datum({ unit: 'Milliseconds', value: stats({ values: [1, 2], sum: 3, min: 1, max: 2, count: 2 }) })).lines).toEqual(['N.m:1|d|#D:x', 'N.m:2|d|#D:x']);
  });

  it('STATSD_SAMPLE_COUNTS=repeat: n lines for an integer n up to STATSD_MAX_REPEAT, else a rate', () => {
    const d = datum({ unit: 'Milliseconds', value: stats({ values: [10, 20], counts: [3, 1], sum: 50, min: 10, max: 20, count: 4 }) });
    expect(linesOf(d, { STATSD_SAMPLE_COUNTS: 'repeat' }).lines).toEqual(['N.m:10|d|#D:x', 'N.m:10|d|#D:x', 'N.m:10|d|#D:x', 'N.m:20|d|#D:x']);
    expect(linesOf(d, { STATSD_SAMPLE_COUNTS: 'repeat', STATSD_MAX_REPEAT: '2' }).lines).toEqual(['N.m:10|d|@0.3333333333333333|#D:x', 'N.m:20|d|#D:x']);
    const fractional = datum({ unit: 'Milliseconds', value: stats({ values: [10], counts: [2.5], sum: 25, min: 10, max: 10, count: 2.5 }) });
    expect(linesOf(fractional, { STATSD_SAMPLE_COUNTS: 'repeat' }).lines).toEqual(['N.m:10|d|@0.4|#D:x']);
  });

  it('no Values: Min, Max and Count−2 observations of (Sum−Min−Max)/(Count−2)', () => {
    expect(linesOf(datum({ unit: 'Milliseconds', value: stats({ sum: 100, min: 5, max: 45, count: 4 }) })).lines).toEqual([
      'N.m:5|d|#D:x',
      'N.m:45|d|#D:x',
      'N.m:25|d|@0.5|#D:x',
    ]);
    expect(linesOf(datum({ unit: 'Milliseconds', value: stats({ sum: 7, min: 3, max: 4, count: 2 }) })).lines).toEqual(['N.m:3|d|#D:x', 'N.m:4|d|#D:x']);
    expect(linesOf(datum({ unit: 'Milliseconds', value: stats({ sum: 6, min: 6, max: 6, count: 1 }) })).lines).toEqual(['N.m:6|d|#D:x']);
  });

  it('Count 0 gives no observation and is counted; a count below 1 is sent once and counted', () => {
    const empty = linesOf(datum({ unit: 'Milliseconds', value: stats({ sum: 0, min: 0, max: 0, count: 0 }) }));
    expect(empty.lines).toEqual([]);
    expect(empty.notes.counts).toEqual({ statistic_set_empty: 1 });
    const half = linesOf(datum({ unit: 'Milliseconds', value: stats({ values: [8], counts: [0.5], sum: 4, min: 8, max: 8, count: 0.5 }) }));
    expect(half.lines).toEqual(['N.m:8|d|#D:x']);
    expect(half.notes.counts).toEqual({ count_fractional_below_one: 1 });
  });

  it('gauges take the average Sum/Count; an empty set is counted', () => {
    expect(linesOf(datum({ value: stats({ sum: 10, min: 1, max: 5, count: 4 }) })).lines).toEqual(['N.m:2.5|g|#D:x']);
    const empty = linesOf(datum({ value: stats({ sum: 0, min: 0, max: 0, count: 0 }) }));
    expect(empty.lines).toEqual([]);
    expect(empty.notes.counts).toEqual({ statistic_set_empty: 1 });
  });
});

describe('tags', () => {
  it('order: global, source, properties, dimensions; a repeated key keeps its place and takes the more specific value', () => {
    const d = datum({ dimensions: { env: 'dev', Service: 'api' }, properties: { team: 'b', requestId: 'r-1' } });
    const env = { STATSD_GLOBAL_TAGS: 'env:prod,team:a', STATSD_PROPERTY_TAGS: 'team,requestId', STATSD_SOURCE_TAGS: 'region' };
    expect(linesOf(d, env).lines).toEqual(['N.m:1|g|#env:dev,team:b,region:eu-west-1,requestId:r-1,Service:api']);
    expect(linesOf(d, { ...env, STATSD_STYLE: 'telegraf' }).lines).toEqual(['N.m,env=dev,team=b,region=eu-west-1,requestId=r-1,Service=api:1|g']);
    // Plain StatsD: folded into the name, sorted by key (code point order: upper case first).
    expect(linesOf(d, { ...env, STATSD_STYLE: 'statsd' }).lines).toEqual(['N.m.Service.api.env.dev.region.eu-west-1.requestId.r-1.team.b:1|g']);
  });

  it('source tags: namespace, account, region, log_group, log_stream', () => {
    const env = { STATSD_SOURCE_TAGS: 'namespace,account,region,log_group,log_stream' };
    expect(linesOf(datum({ dimensions: {} }), env).lines).toEqual([
      'N.m:1|g|#namespace:N,account:123456789012,region:eu-west-1,log_group:/aws/lambda/orders,log_stream:2026/11/23/__LATEST_abc',
    ]);
    expect(linesOf(datum({ dimensions: {} }), { ...env, STATSD_STYLE: 'statsd' }).lines).toEqual([
      'N.m.account.123456789012.log_group._aws_lambda_orders.log_stream.2026_11_23___LATEST_abc.namespace.N.region.eu-west-1:1|g',
    ]);
  });

  it('only allow-listed properties, only scalar values (others counted)', () => {
    const d = datum({ properties: { n: 42, b: true, obj: { a: 1 }, arr: [1], nul: null, empty: '', secret: 's3cr3t' } });
    const { lines, notes } = linesOf(d, { STATSD_PROPERTY_TAGS: 'n,b,obj,arr,nul,empty,absent' });
    expect(lines).toEqual(['N.m:1|g|#n:42,b:true,D:x']);
    expect(notes.counts).toEqual({ property_tag_not_scalar: 4 });
  });

  it('tag sets: equal dimensions in other objects give the same tags; order and keys equal once sanitised are kept', () => {
    const data = [
      datum({ dimensions: { a: '1', b: '2' } }),
      datum({ dimensions: { b: '2', a: '1' } }),
      datum({ dimensions: { a: '1', b: '2' } }),
      datum({ dimensions: { a: '1' } }),
      datum({ dimensions: { 'a b': '1', a_b: '2' } }),
    ];
    expect(linesOf(data).lines).toEqual(['N.m:1|g|#a:1,b:2', 'N.m:1|g|#b:2,a:1', 'N.m:1|g|#a:1,b:2', 'N.m:1|g|#a:1', 'N.m:1|g|#a_b:2']);
    expect(linesOf(data, { STATSD_STYLE: 'statsd' }).lines).toEqual(['N.m.a.1.b.2:1|g', 'N.m.a.1.b.2:1|g', 'N.m.a.1.b.2:1|g', 'N.m.a.1:1|g', 'N.m.a_b.2:1|g']);
  });

  it('tag sets: still right past the bound of the cache (10,000 sets, then emptied)', () => {
    const data = Array.from({ length: 10_050 }, (_, i) => datum({ dimensions: { k: `v${i}`, j: 'x' } }));
    const { lines } = linesOf([...data, data[0]!], { STATSD_GLOBAL_TAGS: 'env:prod' });
    expect(lines).toHaveLength(10_051);
    for (const i of [0, 9_999, 10_000, 10_049]) expect(lines[i]).toBe(`N.m:1|g|#env:prod,k:v${i},j:x`);
    expect(lines[10_050]).toBe('N.m:1|g|#env:prod,k:v0,j:x');
  });

  it('no tags at all: no tag field', () => {
    expect(linesOf(datum({ dimensions: {} })).lines).toEqual(['N.m:1|g']);
    expect(linesOf(datum({ dimensions: {} }), { STATSD_STYLE: 'telegraf' }).lines).toEqual(['N.m:1|g']);
    expect(linesOf(datum({ dimensions: {} }), { STATSD_STYLE: 'statsd' }).lines).toEqual(['N.m:1|g']);
  });

  it('protocol characters in keys and values cannot escape', () => {
    const d = datum({ dimensions: { 'k:e|y,#': 'a|b,c#d@e\nf\rg:h' } });
    expect(linesOf(d).lines).toEqual(['N.m:1|g|#k_e_y__:a_b_c_d_e_f_g:h']);
    expect(linesOf(d, { STATSD_STYLE: 'telegraf' }).lines).toEqual(['N.m,k_e_y__=a_b_c_d_e_f_g_h:1|g']);
    expect(linesOf(datum({ dimensions: { 'a=b': 'c=d' } }), { STATSD_STYLE: 'telegraf' }).lines).toEqual(['N.m,a_b=c_d:1|g']);
    expect(linesOf(d, { STATSD_STYLE: 'statsd' }).lines).toEqual(['N.m.k_e_y__.a_b_c_d_e_f_g_h:1|g']);
  });

  it('Datadog tag rules: Unicode letters kept, keys start with a letter, no trailing colon, 200 characters', () => {
    expect(linesOf(datum({ dimensions: { City: 'Zürich東京', '1st': 'v', e: 'smile😀' } })).lines).toEqual(['N.m:1|g|#City:Zürich東京,t_1st:v,e:smile_']);
    expect(linesOf(datum({ dimensions: { k: 'ends:' } })).lines).toEqual(['N.m:1|g|#k:ends_']);
    const long = 'v'.repeat(300);
    const line = linesOf(datum({ dimensions: { k: long } })).lines[0]!;
    expect(line).toBe(`N.m:1|g|#k:${'v'.repeat(198)}`);
  });
});

describe('names', () => {
  it('prefix, namespace and metric joined with dots; STATSD_NAMESPACE_IN_NAME=false leaves the namespace out', () => {
    expect(linesOf(datum(), { STATSD_PREFIX: 'emf.app' }).lines).toEqual(['emf.app.N.m:1|g|#D:x']);
    expect(linesOf(datum(), { STATSD_NAMESPACE_IN_NAME: 'false' }).lines).toEqual(['m:1|g|#D:x']);
  });

  it("Datadog's rules: invalid characters → _, starts with a letter, at most 200 characters (not cut when folded)", () => {
    expect(linesOf(datum({ namespace: 'My App/Prod', name: 'p99 latency:ms' })).lines).toEqual(['My_App_Prod.p99_latency_ms:1|g|#D:x']);
    expect(linesOf(datum({ name: '5xx' }), { STATSD_NAMESPACE_IN_NAME: 'false' }).lines).toEqual(['m_5xx:1|g|#D:x']);
    expect(linesOf(datum({ name: 'é' }), { STATSD_NAMESPACE_IN_NAME: 'false' }).lines).toEqual(['m__:1|g|#D:x']);
    const long = linesOf(datum({ name: 'a'.repeat(300) }), { STATSD_NAMESPACE_IN_NAME: 'false', STATSD_TYPE_OVERRIDES: '' });
    expect(long.lines).toEqual([`${'a'.repeat(200)}:1|g|#D:x`]);
    const folded = linesOf(datum({ name: 'a'.repeat(300) }), { STATSD_NAMESPACE_IN_NAME: 'false', STATSD_STYLE: 'statsd' });
    expect(folded.lines).toEqual([`${'a'.repeat(300)}.D.x:1|g`]);
  });
});

describe('gauges, timestamps, values', () => {
  it('negative gauges: Telegraf and StatsD get a reset to 0 first (a signed gauge is a delta there); DogStatsD does not', () => {
    expect(linesOf(datum({ value: -4 })).lines).toEqual(['N.m:-4|g|#D:x']);
    expect(linesOf(datum({ value: -4 }), { STATSD_STYLE: 'telegraf' }).lines).toEqual(['N.m,D=x:0|g', 'N.m,D=x:-4|g']);
    expect(linesOf(datum({ value: [-4, 2] }), { STATSD_STYLE: 'statsd' }).lines).toEqual(['N.m.D.x:0|g', 'N.m.D.x:-4|g', 'N.m.D.x:2|g']);
  });

  it('STATSD_TIMESTAMPS: |T<seconds, rounded down> on counters and gauges only', () => {
    const env = { STATSD_TIMESTAMPS: 'true' };
    expect(linesOf(datum({ unit: 'Count', value: 1, timestamp: 1_763_900_000_999 }), env).lines).toEqual(['N.m:1|c|#D:x|T1763900000']);
    expect(linesOf(datum({ value: 2, dimensions: {} }), env).lines).toEqual(['N.m:2|g|T1763900000']);
    expect(linesOf(datum({ unit: 'Milliseconds', value: 3 }), env).lines).toEqual(['N.m:3|d|#D:x']);
  });

  it('a time value that overflows in milliseconds is not sent, and is counted', () => {
    const { lines, notes } = linesOf(datum({ unit: 'Seconds', value: [1e306, 1] }));
    expect(lines).toEqual(['N.m:1000|d|#D:x']);
    expect(notes.counts).toEqual({ value_not_finite: 1 });
    // Counted once per line it would have made: n with STATSD_SAMPLE_COUNTS=repeat, one with a rate.
    const set = { values: [1e306], counts: [3], sum: 3e306, min: 1e306, max: 1e306, count: 3 };
    const repeated = linesOf(datum({ unit: 'Seconds', value: set }), { STATSD_SAMPLE_COUNTS: 'repeat' });
    expect(repeated.lines).toEqual([]);
    expect(repeated.notes.counts).toEqual({ value_not_finite: 3 });
    expect(linesOf(datum({ unit: 'Seconds', value: set })).notes.counts).toEqual({ value_not_finite: 1 });
  });

  it('values keep JavaScript number text (exponents included), which StatsD servers parse', () => {
    expect(linesOf(datum({ value: [1e-7, 1e21, -0] })).lines).toEqual(['N.m:1e-7|g|#D:x', 'N.m:1e+21|g|#D:x', 'N.m:0|g|#D:x']);
  });
});

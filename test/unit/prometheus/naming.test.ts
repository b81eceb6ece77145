import { describe, expect, it } from 'vitest';
import { EMF_UNITS } from '../../../shared/emf/constants.ts';
import { assignLabelNames, convertValue, labelName, metricName, unitMapping } from '../../../functions/consumers/prometheus/naming.ts';

const name = (namespace: string | undefined, n: string, unitSuffix = '', prefix = '', nameCase: 'snake' | 'preserve' = 'snake') =>
  metricName({ prefix, namespace, name: n, unitSuffix, nameCase });

describe('unit table', () => {
  // The documented table (docs/prometheus.md#names), written out independently of the code.
  const table: Record<string, [suffix: string, input: number, expected: number]> = {
    Seconds: ['seconds', 1.5, 1.5],
    Milliseconds: ['seconds', 1500, 1.5],
    Microseconds: ['seconds', 250, 0.00025],
    Bytes: ['bytes', 10, 10],
    Kilobytes: ['bytes', 2, 2048],
    Megabytes: ['bytes', 128, 134_217_728],
    Gigabytes: ['bytes', 1, 1_073_741_824],
    Terabytes: ['bytes', 1, 1_099_511_627_776],
    Bits: ['bytes', 16, 2],
    Kilobits: ['bytes', 1, 128],
    Megabits: ['bytes', 1, 131_072],
    Gigabits: ['bytes', 1, 134_217_728],
    Terabits: ['bytes', 1, 137_438_953_472],
    Percent: ['percent', 55.5, 55.5],
    Count: ['', 3, 3],
    'Bytes/Second': ['bytes_per_second', 5, 5],
    'Kilobytes/Second': ['bytes_per_second', 1, 1024],
    'Megabytes/Second': ['bytes_per_second', 1, 1_048_576],
    'Gigabytes/Second': ['bytes_per_second', 1, 1_073_741_824],
    'Terabytes/Second': ['bytes_per_second', 1, 1_099_511_627_776],
    'Bits/Second': ['bytes_per_second', 8, 1],
    'Kilobits/Second': ['bytes_per_second', 1, 128],
    'Megabits/Second': ['bytes_per_second', 1, 131_072],
    'Gigabits/Second': ['bytes_per_second', 1, 134_217_728],
    'Terabits/Second': ['bytes_per_second', 1, 137_438_953_472],
    'Count/Second': ['per_second', 7, 7],
    None: ['', 4.25, 4.25],
  };

  it('covers every EMF unit', () => {
    expect(Object.keys(table).sort()).toEqual([...EMF_UNITS].sort());
  });

  it.each(Object.entries(table))('%s → suffix and base-unit value (binary multiples)', (unit, [suffix, input, expected]) => {
    const m = unitMapping(unit as (typeof EMF_UNITS)[number], 1024);
    expect(m.suffix).toBe(suffix);
    expect(convertValue(input, m)).toBe(expected);
  });

  it('decimal multiples when configured', () => {
    expect(convertValue(3, unitMapping('Megabits', 1000))).toBe(375_000);
    expect(convertValue(2, unitMapping('Kilobytes', 1000))).toBe(2000);
    expect(convertValue(1500, unitMapping('Milliseconds', 1000))).toBe(1.5);
  });
});

describe('metric names', () => {
  it('joins namespace and metric in snake case with the unit suffix', () => {
    expect(name('MyApp', 'ProcessingLatency', 'seconds')).toBe('my_app_processing_latency_seconds');
    expect(name('AWS/Lambda', 'Duration', 'seconds')).toBe('aws_lambda_duration_seconds');
    expect(name('aws-embedded-metrics', 'HTTPCode_Backend_4XX')).toBe('aws_embedded_metrics_http_code_backend_4_xx');
  });

  it('does not repeat a unit the name already states', () => {
    expect(name('App', 'DurationSeconds', 'seconds')).toBe('app_duration_seconds');
    expect(name('App', 'ResponseBytes', 'bytes')).toBe('app_response_bytes');
    expect(name('App', 'Latency_ms', 'seconds')).toBe('app_latency_ms_seconds');
  });

  it('applies the prefix, can leave the namespace out, can preserve case', () => {
    expect(name('MyApp', 'Hits', '', 'emf')).toBe('emf_my_app_hits');
    expect(name(undefined, 'Hits', '', 'emf')).toBe('emf_hits');
    expect(name('MyApp', 'ColdStart', '', '', 'preserve')).toBe('MyApp_ColdStart');
  });

  it('sanitises to [a-zA-Z_][a-zA-Z0-9_]* (no colons, no leading digit, no empty name)', () => {
    expect(name('2048Game', 'p99.latency', 'seconds')).toBe('_2048_game_p99_latency_seconds');
    expect(name('Ns', 'a:b  c--d__e')).toBe('ns_a_b_c_d_e');
    expect(name('Ns', 'Grüße')).toBe('ns_gr_e');
    expect(name('', '%%%')).toBe('unnamed');
    expect(name('', '%%%', 'percent')).toBe('unnamed_percent');
  });
});

describe('label names', () => {
  it('sanitises keys and never produces a reserved __ name', () => {
    expect(labelName('FunctionName', 'snake')).toBe('function_name');
    expect(labelName('FunctionName', 'preserve')).toBe('FunctionName');
    expect(labelName('__name__', 'snake')).toBe('name');
    expect(labelName('9lives', 'snake')).toBe('_9lives');
    expect(labelName('service.name', 'snake')).toBe('service_name');
    expect(labelName('名前', 'snake')).toBe('label');
  });

  it('resolves collisions deterministically, whatever the key order', () => {
    const reserved = new Set(['__name__']);
    const expected = [
      ['Function Name', 'function_name'],
      ['FunctionName', 'function_name_2'],
      ['function_name', 'function_name_3'],
    ];
    expect(assignLabelNames(['function_name', 'FunctionName', 'Function Name'], reserved, 'snake')).toEqual(expected);
    expect(assignLabelNames(['FunctionName', 'Function Name', 'function_name'], reserved, 'snake')).toEqual(expected);
  });

  it('does not take reserved names (source labels)', () => {
    expect(assignLabelNames(['Namespace', 'region'], new Set(['__name__', 'namespace', 'region']), 'snake')).toEqual([
      ['Namespace', 'namespace_2'],
      ['region', 'region_2'],
    ]);
  });
});

/** The console provider: one readable line per datum, one block per flush. */
import { describe, expect, it } from 'vitest';
import { ConsoleProvider, formatDatum } from '../../../local/ConsoleProvider.ts';
import type { MetricDatum, SendContext } from '../../../shared/consumer/types.ts';
import { createMemoryLogger } from '../../../shared/log/logger.ts';

const ctx: SendContext = { deadline: Date.now() + 10_000, logger: createMemoryLogger(), signal: new AbortController().signal, invocation: {} };

function datum(over: Partial<MetricDatum> = {}, logGroup = '/aws/lambda/checkout'): MetricDatum {
  return {
    namespace: 'Shop', name: 'Latency', unit: 'Milliseconds', storageResolution: 60, timestamp: Date.UTC(2025, 0, 1, 0, 0, 0, 123),
    value: 12.5, dimensions: { Service: 'checkout', Route: 'GET /x' }, directiveDimensions: {}, properties: {},
    source: { account: '1', region: 'eu-west-1', logGroup, logStream: 's', eventId: 'e', origin: 'emf' },
    ...over,
  };
}

describe('formatDatum', () => {
  it('shows namespace, name, dimensions in set order, value, unit and time', () => {
    expect(formatDatum(datum())).toBe('Shop Latency{Service="checkout",Route="GET /x"} 12.5 Milliseconds @ 2025-01-01T00:00:00.123Z');
  });

  it('shows arrays, long arrays shortened with their length, statistic sets, high resolution and no dimensions', () => {
    expect(formatDatum(datum({ value: [1, 2, 2], dimensions: {} }))).toBe('Shop Latency{} [1, 2, 2] Milliseconds @ 2025-01-01T00:00:00.123Z');
    const many = formatDatum(datum({ value: Array.from({ length: 100 }, (_, i) => i) }));
    expect(many).toContain('[0, 1, 2, 3, 4, 5, 6, 7, 8, …, 99] (100 values)');
    const stats = datum({ value: { sum: 30, min: 1, max: 20, count: 4, values: [1, 20], counts: [3, 1] }, storageResolution: 1, unit: 'Count' });
    expect(formatDatum(stats)).toBe('Shop Latency{Service="checkout",Route="GET /x"} {count=4 sum=30 min=1 max=20 values=[1×3 20×1]} Count (high-resolution) @ 2025-01-01T00:00:00.123Z');
  });
});

describe('ConsoleProvider', () => {
  it('prints one block per flush, with a heading per log group, and counts what it printed', async () => {
    const out: string[] = [];
    const p = new ConsoleProvider({ write: (t) => out.push(t) });
    await p.send([datum(), datum({ name: 'Orders', unit: 'Count', value: 2 })], ctx);
    await p.send([datum({}, '/aws/lambda/other')], ctx);
    expect(out).toEqual([]);
    expect(await p.flush(ctx)).toEqual({ status: 'success' });
    expect(await p.flush(ctx)).toEqual({ status: 'success' });
    expect(out).toHaveLength(1);
    expect(out[0]!.split('\n')).toEqual([
      '── console · flush 1 · 3 data points ──',
      '  /aws/lambda/checkout',
      '    Shop Latency{Service="checkout",Route="GET /x"} 12.5 Milliseconds @ 2025-01-01T00:00:00.123Z',
      '    Shop Orders{Service="checkout",Route="GET /x"} 2 Count @ 2025-01-01T00:00:00.123Z',
      '  /aws/lambda/other',
      '    Shop Latency{Service="checkout",Route="GET /x"} 12.5 Milliseconds @ 2025-01-01T00:00:00.123Z',
      '',
    ]);
    expect(p.delivered).toBe(3);
  });

  it('prints nothing when quiet but still counts', async () => {
    const out: string[] = [];
    const p = new ConsoleProvider({ write: (t) => out.push(t), quiet: true });
    await p.send([datum(), datum()], ctx);
    await p.flush(ctx);
    expect(out).toEqual([]);
    expect(p.delivered).toBe(2);
  });
});

/** The `npm start` command line: defaults, Lambda's ranges, and usage errors that name the flag. */
import { describe, expect, it } from 'vitest';
import { parseCli, USAGE, UsageError } from '../../../local/cli.ts';

describe('parseCli', () => {
  it('defaults to the bundled sample, auto format, one shard and Lambda’s BatchSize', () => {
    expect(parseCli([])).toEqual({
      help: false, format: 'auto', logGroup: '/aws/lambda/local', rebase: false, shards: 1, batchSize: 100,
      batchingWindowMs: 0, maxRetryAttempts: 2, timeoutMs: 10_000, handlers: [], console: true, quiet: false, prometheusPreview: false,
    });
  });

  it('reads the input, seconds as milliseconds, repeated handlers and --no-console', () => {
    const o = parseCli(['-', '--format', 'filter-log-events', '--batching-window', '5', '--timeout', '3', '--handler', 'a.ts', '--handler', 'b.ts', '--no-console', '--max-retries=-1']);
    expect(o).toMatchObject({ input: '-', format: 'filter-log-events', batchingWindowMs: 5_000, timeoutMs: 3_000, handlers: ['a.ts', 'b.ts'], console: false, maxRetryAttempts: -1 });
  });

  it('reads --prometheus-preview, with or without other flags, and says what it does in the usage text', () => {
    expect(parseCli(['--prometheus-preview']).prometheusPreview).toBe(true);
    expect(parseCli(['-', '--quiet', '--prometheus-preview', '--no-console'])).toMatchObject({ input: '-', quiet: true, console: false, prometheusPreview: true });
    expect(() => parseCli(['--prometheus-preview=yes'])).toThrow(UsageError);
    expect(USAGE).toMatch(/^ {2}--prometheus-preview {3}\S/m);
    expect(USAGE).toContain('PROM_RW_URL may be unset');
  });

  it('rejects values outside what Lambda allows, unknown flags and formats, naming them', () => {
    expect(() => parseCli(['--batch-size', '10001'])).toThrow(new UsageError('--batch-size must be between 1 and 10000, got 10001'));
    expect(() => parseCli(['--batching-window', '301'])).toThrow(/--batching-window must be between 0 and 300/);
    expect(() => parseCli(['--shards', 'two'])).toThrow(/--shards must be an integer, got "two"/);
    expect(() => parseCli(['--format', 'csv'])).toThrow(/--format must be one of auto, lines, filter-log-events, events/);
    expect(() => parseCli(['--bogus'])).toThrow(UsageError);
    expect(() => parseCli(['a.log', 'b.log'])).toThrow(/at most one INPUT/);
  });
});

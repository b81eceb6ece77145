/** The `npm start` command line: defaults, Lambda's ranges, and usage errors that name the flag. */
import { describe, expect, it } from 'vitest';
import { parseCli, USAGE, UsageError } from '../../../local/cli.ts';

describe('parseCli', () => {
  it('defaults to the bundled sample, auto format, one shard and Lambda’s BatchSize', () => {
    expect(parseCli([])).toEqual({
      help: false, format: 'auto', logGroup: '/aws/lambda/local', rebase: false, shards: 1, batchSize: 100,
      batchingWindowMs: 0, maxRetryAttempts: 2, timeoutMs: 10_000, handlers: [], console: true, quiet: false, show: [],
    });
  });

  it('reads the input, seconds as milliseconds, repeated handlers and --no-console', () => {
    const o = parseCli(['-', '--format', 'filter-log-events', '--batching-window', '5', '--timeout', '3', '--handler', 'a.ts', '--handler', 'b.ts', '--no-console', '--max-retries=-1']);
    expect(o).toMatchObject({ input: '-', format: 'filter-log-events', batchingWindowMs: 5_000, timeoutMs: 3_000, handlers: ['a.ts', 'b.ts'], console: false, maxRetryAttempts: -1 });
  });

  it('reads --show, repeated or as a list, each target once in the order given, and says what it does in the usage text', () => {
    expect(parseCli(['--show', 'statsd']).show).toEqual(['statsd']);
    expect(parseCli(['--show=prometheus']).show).toEqual(['prometheus']);
    expect(parseCli(['--show', 'statsd', '--show', 'prometheus', '--show', 'statsd']).show).toEqual(['statsd', 'prometheus']);
    expect(parseCli(['--show', 'prometheus, statsd']).show).toEqual(['prometheus', 'statsd']);
    expect(parseCli(['--show', 'datadog']).show).toEqual(['datadog']);
    expect(parseCli(['--show', 'prometheus,datadog', '--show', 'statsd,datadog']).show).toEqual(['prometheus', 'datadog', 'statsd']);
    expect(parseCli(['-', '--quiet', '--show', 'statsd', '--no-console'])).toMatchObject({ input: '-', quiet: true, console: false, show: ['statsd'] });
    expect(USAGE).toMatch(/^ {2}--show WHAT {12}\S/m);
    expect(USAGE).toContain('PROM_RW_URL may be unset');
    expect(USAGE).toContain('never to STATSD_HOST, which may be unset');
    expect(USAGE).toMatch(/^ {25}datadog {5}each request to Datadog's API/m);
    expect(USAGE).toMatch(/DD_API_KEY_REF may be unset and, if set, is not fetched/);
    expect(USAGE).toMatch(/^ {2}DD_API_KEY_REF=… {7}Datadog's HTTP API/m);
  });

  it('keeps --prometheus-preview as --show prometheus', () => {
    expect(parseCli(['--prometheus-preview']).show).toEqual(['prometheus']);
    expect(parseCli(['--show', 'statsd', '--prometheus-preview']).show).toEqual(['statsd', 'prometheus']);
    expect(() => parseCli(['--prometheus-preview=yes'])).toThrow(UsageError);
  });

  it('rejects a --show without a value or with a value it does not know, naming the ones it knows', () => {
    expect(() => parseCli(['--show', 'foo'])).toThrow(new UsageError('--show must be one of prometheus, statsd, datadog, got "foo"'));
    expect(() => parseCli(['--show', 'prometheus,'])).toThrow(/--show must be one of prometheus, statsd, datadog, got ""/);
    expect(() => parseCli(['--show', 'Datadog'])).toThrow(/got "Datadog"/);
    expect(() => parseCli(['--show'])).toThrow(UsageError);
  });

  it('reads the --show that npm took for itself (npm start --show statsd, without --)', () => {
    // `npm start --show statsd`: npm sets npm_config_show=true and passes "statsd" on as an argument.
    expect(parseCli(['statsd'], { npm_config_show: 'true' })).toMatchObject({ show: ['statsd'] });
    expect(parseCli(['statsd', 'in.log'], { npm_config_show: 'true' })).toMatchObject({ show: ['statsd'], input: 'in.log' });
    expect(parseCli(['datadog'], { npm_config_show: 'true' })).toMatchObject({ show: ['datadog'] });
    expect(parseCli(['prometheus,datadog', 'in.log'], { npm_config_show: 'true' })).toMatchObject({ show: ['prometheus', 'datadog'], input: 'in.log' });
    // `npm start --show=prometheus,statsd`: npm sets npm_config_show to the value.
    expect(parseCli([], { npm_config_show: 'prometheus,statsd' }).show).toEqual(['prometheus', 'statsd']);
    expect(parseCli([], { npm_config_show: 'datadog' }).show).toEqual(['datadog']);
    expect(() => parseCli([], { npm_config_show: 'foo' })).toThrow(/--show must be one of prometheus, statsd, datadog, got "foo"/);
    // `npm start --show in.log`: npm kept no value for --show.
    expect(() => parseCli(['in.log'], { npm_config_show: 'true' })).toThrow(/npm start -- --show prometheus/);
    // Without npm_config_show an argument named like a target is an INPUT, as before.
    expect(parseCli(['statsd'])).toMatchObject({ input: 'statsd', show: [] });
    expect(parseCli(['datadog'])).toMatchObject({ input: 'datadog', show: [] });
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

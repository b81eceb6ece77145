/**
 * Printing the pipeline metrics: one line per document to the sink, the setting, the dimension's value,
 * and a sink that fails never failing the invocation.
 */
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { createConsumerMetricsPublisher, publishForwarderMetrics, stdoutSink } from '../../../shared/pipeline/PipelineMetricsPublisher.ts';
import { readDocument } from './readBack.ts';

const summary = {
  records: 3, documents: 5, data: 40, delivered: 40, dropped: {}, dataDropped: 0, calls: 1, retries: 0,
  duplicates: { documents: 0, data: 0 }, lag: { documents: 250, valuesMs: Array.from({ length: 250 }, (_, i) => i) },
};

describe('createConsumerMetricsPublisher', () => {
  it('prints each document as one line ending in a newline, named after AWS_LAMBDA_FUNCTION_NAME', () => {
    const lines: string[] = [];
    const publish = createConsumerMetricsPublisher({ AWS_LAMBDA_FUNCTION_NAME: 'emf-fanout-prod-statsd' }, { fallbackName: 'statsd', sink: (l) => lines.push(l), now: () => 1_765_000_000_123 });
    publish(summary);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      for (const d of readDocument(line)) {
        expect(d.dimensions).toEqual({ FunctionName: 'emf-fanout-prod-statsd' });
        expect(d.timestamp).toBe(1_765_000_000_123);
      }
    }
  });

  it('uses the fallback name outside Lambda', () => {
    const lines: string[] = [];
    createConsumerMetricsPublisher({}, { fallbackName: 'statsd', sink: (l) => lines.push(l) })(summary);
    expect(readDocument(lines[0]!)[0]!.dimensions).toEqual({ FunctionName: 'statsd' });
  });

  it('prints nothing with PIPELINE_METRICS=false, and names the variable when its value is not a boolean', () => {
    const sink = vi.fn();
    createConsumerMetricsPublisher({ PIPELINE_METRICS: 'false' }, { fallbackName: 'statsd', sink })(summary);
    expect(sink).not.toHaveBeenCalled();
    expect(() => createConsumerMetricsPublisher({ PIPELINE_METRICS: 'sometimes' }, { fallbackName: 'statsd', sink })).toThrow(ConfigError);
    expect(() => createConsumerMetricsPublisher({ PIPELINE_METRICS: 'sometimes' }, { fallbackName: 'statsd', sink })).toThrow('Environment variable PIPELINE_METRICS must be true or false, got "sometimes"');
  });
});

describe('publishing', () => {
  it('does not throw when the sink does: the invocation goes on, stderr says the metrics were lost', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => publishForwarderMetrics(
        { logEvents: 1, emfDocuments: 1, platformDocuments: 0, forwardedDocuments: 1, records: 1, retriedEntries: 0, skipped: {}, rejected: {} },
        { functionName: 'forwarder', sink: () => { throw new Error('EPIPE'); } },
      )).not.toThrow();
      expect(stderr).toHaveBeenCalledWith('pipeline metrics not published: EPIPE\n');
    } finally {
      stderr.mockRestore();
    }
  });

  it('writes to standard output by default, whole lines as given', () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      stdoutSink('{"a":1}\n');
      expect(stdout).toHaveBeenCalledWith('{"a":1}\n');
    } finally {
      stdout.mockRestore();
    }
  });
});

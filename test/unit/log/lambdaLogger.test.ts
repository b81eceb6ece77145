import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLambdaLogger } from '../../../shared/log/lambdaLogger.ts';
import { createLineLogger } from '../../../shared/log/logger.ts';

function lambdaContext(requestId: string): Context {
  return {
    functionName: 'emf-fanout-dev-forwarder', functionVersion: '$LATEST', awsRequestId: requestId,
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:emf-fanout-dev-forwarder', memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/emf-fanout-dev-forwarder', logStreamName: '2026/12/06/[$LATEST]abc', callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000, done: () => undefined, fail: () => undefined, succeed: () => undefined,
  };
}

/** What the logger writes while `fn` runs (stdout, and stderr for warnings and errors, as Powertools does), one parsed object per line. */
function captureOutput(fn: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
    return true;
  };
  const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];
  try {
    fn();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createLambdaLogger (Powertools Logger behind Logger)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one JSON line per entry with the base fields, and the request id and function name after setContext', () => {
    const logger = createLambdaLogger({ base: { fn: 'forwarder' }, level: 'info' });
    const lines = captureOutput(() => {
      logger.info('before any invocation', { n: 1 });
      logger.setContext!(lambdaContext('req-1'));
      logger.info('forwarder batch', { logEvents: 3 });
      logger.setContext!(lambdaContext('req-2'));
      logger.warn('second invocation');
    });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ level: 'INFO', message: 'before any invocation', service: 'emf-fanout', fn: 'forwarder', n: 1 });
    expect(lines[0]).not.toHaveProperty('function_request_id');
    expect(lines[1]).toMatchObject({
      level: 'INFO', message: 'forwarder batch', logEvents: 3, fn: 'forwarder',
      function_request_id: 'req-1', function_name: 'emf-fanout-dev-forwarder',
    });
    expect(lines[2]).toMatchObject({ level: 'WARN', function_request_id: 'req-2' });
    // Never a line the pipeline could read back as EMF.
    for (const l of lines) expect(JSON.stringify(l)).not.toContain('_aws');
  });

  it('honours the level, and writes errors with their name and message and bigints as strings', () => {
    const logger = createLambdaLogger({ level: 'warn' });
    const lines = captureOutput(() => {
      logger.info('not written');
      logger.error('send failed', { error: new TypeError('boom'), count: 10n });
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'ERROR', message: 'send failed', count: '10', error: { name: 'TypeError', message: 'boom' } });
  });
});

describe('createLineLogger (command lines and tests)', () => {
  it('writes JSON lines to the given sink, filtered by level', () => {
    const lines: string[] = [];
    const logger = createLineLogger({ level: 'info', write: (l) => lines.push(l), base: { fn: 'local' } });
    logger.debug('hidden');
    logger.info('shown', { error: new RangeError('out'), n: 2n });
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { level: 'info', message: 'shown', fn: 'local', n: '2', error: expect.objectContaining({ name: 'RangeError', message: 'out' }) as unknown },
    ]);
  });
});

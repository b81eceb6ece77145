import { describe, expect, it } from 'vitest';
import { detectEmf } from '../../../shared/emf/detect.ts';
import { platformDocument } from '../../../shared/platform/platformDocument.ts';
import { parsePlatformLine } from '../../../shared/platform/platformLine.ts';

describe('platformDocument', () => {
  it('builds a valid EMF document dimensioned by function name', () => {
    const line = parsePlatformLine('REPORT RequestId: r1\tDuration: 10 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 100 ms\t\n');
    if (line?.kind !== 'report') throw new Error('expected a report');
    const text = platformDocument({ ...line, timedOut: false }, { namespace: 'EmfFanout/Lambda', logGroup: '/aws/lambda/orders', timestamp: 1_763_900_000_000 });
    const d = detectEmf(text);
    expect(d.kind).toBe('emf');
    const doc = JSON.parse(text);
    expect(doc._aws.CloudWatchMetrics[0].Dimensions).toEqual([['FunctionName']]);
    expect(doc).toMatchObject({ FunctionName: 'orders', Duration: 10, ColdStart: 1, InitDuration: 100, Timeouts: 0, Errors: 0, Invocations: 1 });
  });

  it('uses LogGroup as the dimension for custom log groups, and marks timeouts', () => {
    const text = platformDocument({ kind: 'timeout', requestId: 'r9' }, { namespace: 'N', logGroup: 'shared-logs', timestamp: 1 });
    expect(JSON.parse(text)).toMatchObject({ LogGroup: 'shared-logs', Timeouts: 1, Status: 'timeout' });
    expect(detectEmf(text).kind).toBe('emf');
  });
});

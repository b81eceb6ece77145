/** Moving a recording to the present: only times change, spacing is kept, every other byte stays. */
import { describe, expect, it } from 'vitest';
import { rebaseEvents, shiftMessage } from '../../../local/input/rebase.ts';

const H = 3_600_000;

describe('shiftMessage', () => {
  it('shifts _aws.Timestamp, also inside JSON-escaped text, and ISO times in Lambda prefixes and platform records', () => {
    const text = '2025-01-01T00:00:00.123Z\treq\tINFO\t{"_aws":{"Timestamp":1735689600123,"CloudWatchMetrics":[]},"Other":1735689600123}';
    expect(shiftMessage(text, H)).toBe('2025-01-01T01:00:00.123Z\treq\tINFO\t{"_aws":{"Timestamp":1735693200123,"CloudWatchMetrics":[]},"Other":1735689600123}');
    const jsonFormat = '{"timestamp":"2025-01-01T00:00:00.123Z","message":"{\\"_aws\\":{\\"Timestamp\\":1735689600123}}"}';
    expect(shiftMessage(jsonFormat, -H)).toBe('{"timestamp":"2024-12-31T23:00:00.123Z","message":"{\\"_aws\\":{\\"Timestamp\\":1735686000123}}"}');
    expect(shiftMessage('{"time":"2025-01-01T00:00:00Z","type":"platform.report"}', 1_500)).toBe('{"time":"2025-01-01T00:00:01Z","type":"platform.report"}');
  });

  it('keeps a fraction or a string timestamp as it is (so an invalid document stays invalid)', () => {
    expect(shiftMessage('{"_aws":{"Timestamp":1735689600123.5}}', 1)).toBe('{"_aws":{"Timestamp":1735689600124.5}}');
    expect(shiftMessage('{"_aws":{"Timestamp":"1735689600123"}}', 1)).toBe('{"_aws":{"Timestamp":"1735689600123"}}');
    expect(shiftMessage('REPORT RequestId: x\tDuration: 26.73 ms', 99)).toBe('REPORT RequestId: x\tDuration: 26.73 ms');
  });
});

describe('rebaseEvents', () => {
  it('moves the newest event to now and keeps the spacing of the others', () => {
    const events = [
      { logGroup: 'g', logStream: 's', timestamp: 1_000, message: '{"_aws":{"Timestamp":1000000000000}}' },
      { logGroup: 'g', logStream: 's', timestamp: 5_000, message: 'plain' },
    ];
    const out = rebaseEvents(events, 1_000_005_000);
    expect(out.map((e) => e.timestamp)).toEqual([1_000_001_000, 1_000_005_000]);
    expect(out[0]!.message).toBe('{"_aws":{"Timestamp":1001000000000}}');
    expect(out[1]!.message).toBe('plain');
    expect(events[0]!.timestamp).toBe(1_000);
  });
});

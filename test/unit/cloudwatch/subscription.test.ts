import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeSubscriptionEvent } from '../../../shared/cloudwatch/subscription.ts';
import { DecodeError } from '../../../shared/errors.ts';

const wrap = (json: unknown) => ({ awslogs: { data: gzipSync(Buffer.from(typeof json === 'string' ? json : JSON.stringify(json))).toString('base64') } });
const payload = {
  messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup: '/aws/lambda/orders', logStream: '2026/11/23/[$LATEST]abc',
  subscriptionFilters: ['emf-fanout'], logEvents: [{ id: '1', timestamp: 1, message: 'hello' }],
};

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return (err as DecodeError).reason;
  }
  throw new Error('expected a DecodeError');
}

describe('decodeSubscriptionEvent', () => {
  it('decodes a subscription payload', () => {
    expect(decodeSubscriptionEvent(wrap(payload), 1 << 20)).toEqual(payload);
  });

  it('rejects a decompression bomb without inflating it', () => {
    // 64 MiB of zeros compress to ~64 KiB; the cap stops gunzip long before.
    const bomb = { awslogs: { data: gzipSync(Buffer.alloc(64 * 1024 * 1024)).toString('base64') } };
    const before = process.memoryUsage().rss;
    expect(reasonOf(() => decodeSubscriptionEvent(bomb, 1 << 20))).toBe('payload_too_large');
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('names what is wrong with malformed input', () => {
    expect(reasonOf(() => decodeSubscriptionEvent({}, 1 << 20))).toBe('event_shape_invalid');
    expect(reasonOf(() => decodeSubscriptionEvent(null, 1 << 20))).toBe('event_shape_invalid');
    expect(reasonOf(() => decodeSubscriptionEvent({ awslogs: { data: 'not base64!' } }, 1 << 20))).toBe('payload_base64_invalid');
    expect(reasonOf(() => decodeSubscriptionEvent({ awslogs: { data: Buffer.from('plain text').toString('base64') } }, 1 << 20))).toBe('payload_gzip_invalid');
    const truncated = gzipSync(Buffer.from(JSON.stringify(payload))).subarray(0, 20).toString('base64');
    expect(reasonOf(() => decodeSubscriptionEvent({ awslogs: { data: truncated.padEnd(Math.ceil(truncated.length / 4) * 4, '=') } }, 1 << 20))).toBe('payload_gzip_invalid');
    expect(reasonOf(() => decodeSubscriptionEvent(wrap('{"messageType":'), 1 << 20))).toBe('payload_json_invalid');
    expect(reasonOf(() => decodeSubscriptionEvent(wrap({ ...payload, messageType: 'OTHER' }), 1 << 20))).toBe('payload_shape_invalid');
    expect(reasonOf(() => decodeSubscriptionEvent(wrap({ ...payload, logEvents: [{ id: 1 }] }), 1 << 20))).toBe('payload_shape_invalid');
    expect(reasonOf(() => decodeSubscriptionEvent(wrap([1, 2]), 1 << 20))).toBe('payload_shape_invalid');
  });
});

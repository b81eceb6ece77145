import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { decodeWriteRequest, encodeWriteRequest, encodeWriteRequestProto, type WriteRequest } from '../../../functions/consumers/prometheus/writeRequest.ts';

// The proto of the Remote-Write 1.0 spec, parsed here independently of the module under test.
const SPEC = protobuf.parse(`
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; reserved 3; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`).root.lookupType('prometheus.WriteRequest');

const req: WriteRequest = {
  timeseries: [
    {
      labels: [
        { name: '__name__', value: 'app_latency_seconds' },
        { name: 'service', value: 'grüße ✓' },
      ],
      samples: [
        { value: 0.25, timestamp: 1_790_000_000_123 },
        { value: -3.5e-9, timestamp: 1_790_000_000_124 },
      ],
    },
    { labels: [{ name: '__name__', value: 'x' }], samples: [{ value: 1e300, timestamp: 1 }] },
  ],
};

describe('remote-write body', () => {
  it('is snappy block format: a varint of the uncompressed length, never the framed stream header', () => {
    const body = encodeWriteRequest(req);
    const proto = encodeWriteRequestProto(req);
    // Framed snappy starts with the stream identifier chunk 0xff 0x06 0x00 0x00 "sNaPpY".
    expect(body[0]).not.toBe(0xff);
    let len = 0;
    let shift = 0;
    let i = 0;
    for (;;) {
      const b = body[i++]!;
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    expect(len).toBe(proto.length);
    expect(Buffer.from(snappy.uncompress(body))).toEqual(Buffer.from(proto));
  });

  it('decodes with the spec proto to exactly what was encoded (int64 timestamps, doubles, UTF-8)', () => {
    const proto = snappy.uncompress(encodeWriteRequest(req));
    const decoded = SPEC.toObject(SPEC.decode(proto), { longs: Number });
    expect(decoded).toEqual(req);
    expect(decodeWriteRequest(encodeWriteRequest(req))).toEqual(req);
  });

  it('an empty request encodes to an empty message', () => {
    expect(encodeWriteRequestProto({ timeseries: [] }).length).toBe(0);
  });
});

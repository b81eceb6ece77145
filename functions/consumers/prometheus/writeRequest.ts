/**
 * The remote-write 1.0 wire format: a protobuf `prometheus.WriteRequest`, snappy **block**
 * compressed. protobufjs reflects the message types from the spec's proto text at module load
 * (no code generation step); snappyjs (pure JavaScript) compresses, so the Lambda bundle has no
 * native module to build per architecture.
 */
import protobuf from 'protobufjs';
import snappy from 'snappyjs';

/** The normative proto of the Remote-Write 1.0 specification (field numbers are what matters on the wire). */
const REMOTE_WRITE_PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; reserved 3; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;

export interface Label {
  name: string;
  value: string;
}
export interface Sample {
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}
export interface TimeSeries {
  /** Sorted by name, `__name__` included, no empty names or values. */
  labels: Label[];
  /** Sorted by timestamp, at most one per timestamp. */
  samples: Sample[];
}
export interface WriteRequest {
  timeseries: TimeSeries[];
}

const root = protobuf.parse(REMOTE_WRITE_PROTO, { keepCase: true }).root;
/** The reflected `prometheus.WriteRequest` type (exported for tests and decoders). */
const WriteRequestType = root.lookupType('prometheus.WriteRequest');

/** Serialises a request to protobuf bytes (uncompressed). */
export function encodeWriteRequestProto(req: WriteRequest): Uint8Array {
  return WriteRequestType.encode(req as unknown as protobuf.Message).finish();
}

/** The HTTP body of a remote-write request: protobuf, snappy block format (never the framed format). */
export function encodeWriteRequest(req: WriteRequest): Uint8Array {
  return snappy.compress(encodeWriteRequestProto(req));
}

/** Inverse of `encodeWriteRequest` (for tests and for receivers written in TypeScript). */
export function decodeWriteRequest(body: Uint8Array, maxBytes = 64 * 1_048_576): WriteRequest {
  const proto = snappy.uncompress(body, maxBytes);
  const msg = WriteRequestType.decode(proto);
  return WriteRequestType.toObject(msg, { longs: Number, defaults: true, arrays: true }) as WriteRequest;
}

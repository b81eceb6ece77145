/**
 * Splits series into remote-write requests of at most `maxSamplesPerRequest` samples and
 * `maxRequestBytes` bytes of protobuf (before snappy), computing the size exactly as protobufjs
 * encodes it. A series is split only when it alone exceeds a request; its later parts are marked
 * `continuesPrevious` so the sender keeps them in order.
 */
import type { TranslateOptions } from './config.ts';
import type { Label, Sample, TimeSeries, WriteRequest } from './writeRequest.ts';

/** A request ready to encode, with what the sender needs to know about it. */
export interface PlannedWriteRequest {
  request: WriteRequest;
  samples: number;
  /** Encoded protobuf size (before snappy), exact for the layout protobufjs writes. */
  bytes: number;
  /** The first series continues one split off the previous request: send only after that one was accepted. */
  continuesPrevious: boolean;
  /** Data whose samples this request carries (a series' data count with its first part): what a rejection drops. */
  data: number;
}

/** A series to pack: its labels, its samples, their encoded label size, and how many data it carries (optional). */
export interface SeriesToSplit {
  labels: Label[];
  samples: Sample[];
  labelBytes: number;
  data?: number;
}

/** Length of a protobuf varint. */
function varintLen(n: number): number {
  if (n < 0) return 10;
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

export function labelsBytes(labels: Label[]): number {
  let total = 0;
  for (const l of labels) {
    const nb = Buffer.byteLength(l.name);
    const vb = Buffer.byteLength(l.value);
    const body = 1 + varintLen(nb) + nb + 1 + varintLen(vb) + vb;
    total += 1 + varintLen(body) + body;
  }
  return total;
}

function sampleBytes(s: Sample): number {
  // field 1 (double): tag + 8 bytes; field 2 (int64 varint): tag + varint; proto3 leaves out zero
  // values (protobufjs keeps -0); wrapped as TimeSeries field 2 (tag + length, always < 128).
  const body = (Object.is(s.value, 0) ? 0 : 9) + (s.timestamp === 0 ? 0 : 1 + varintLen(s.timestamp));
  return 2 + body;
}

function seriesBytes(labelBytes: number, samplesBytes: number): number {
  const body = labelBytes + samplesBytes;
  return 1 + varintLen(body) + body;
}

/**
 * Packs series into requests in order, splitting a series across consecutive requests only when
 * it alone exceeds a request; such a continuation is marked so the sender keeps its parts in order.
 */
export function splitRequests(series: readonly SeriesToSplit[], o: Pick<TranslateOptions, 'maxSamplesPerRequest' | 'maxRequestBytes'>): PlannedWriteRequest[] {
  const out: PlannedWriteRequest[] = [];
  let cur: PlannedWriteRequest = { request: { timeseries: [] }, samples: 0, bytes: 0, continuesPrevious: false, data: 0 };
  const flush = (continues: boolean) => {
    if (cur.request.timeseries.length > 0) out.push(cur);
    cur = { request: { timeseries: [] }, samples: 0, bytes: 0, continuesPrevious: continues, data: 0 };
  };
  for (const s of series) {
    let offset = 0;
    while (offset < s.samples.length) {
      let n = 0;
      let sb = 0;
      while (offset + n < s.samples.length && cur.samples + n < o.maxSamplesPerRequest) {
        const b = sampleBytes(s.samples[offset + n]!);
        if (cur.bytes + seriesBytes(s.labelBytes, sb + b) > o.maxRequestBytes) break;
        sb += b;
        n++;
      }
      if (n === 0) {
        if (cur.request.timeseries.length > 0) {
          flush(offset > 0);
          continue;
        }
        // A single sample with its labels exceeds the limit: send it alone (the receiver decides).
        n = 1;
        sb = sampleBytes(s.samples[offset]!);
      }
      const part: TimeSeries = { labels: s.labels, samples: offset === 0 && n === s.samples.length ? s.samples : s.samples.slice(offset, offset + n) };
      cur.request.timeseries.push(part);
      cur.samples += n;
      if (offset === 0) cur.data += s.data ?? 0;
      cur.bytes += seriesBytes(s.labelBytes, sb);
      offset += n;
      if (offset < s.samples.length) flush(true);
    }
  }
  flush(false);
  return out;
}


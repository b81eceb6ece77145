/**
 * The forwarder's writer of REPORT documents: the bytes of `platformDocument` (platformDocument.ts), written
 * straight into the record.
 */
import { ascii, putAscii, putBytes, putJsonString, putNumber } from '../record/bytes.ts';
import type { DocumentText } from '../record/format.ts';
import { directives, dimensionOf, INIT, REPORT_METRICS, RESTORE, platformDocument, type Metric, type PlatformDocOptions } from './platformDocument.ts';
import { PLATFORM_STATUSES, type PlatformReport, type PlatformStatus } from './platformLine.ts';

/**
 * The fixed bytes between a document's timestamp and its request id, for each shape of REPORT document
 * (`,"CloudWatchMetrics":[…]},"FunctionName":"orders","RequestId":`, by REPORT_SHAPE(init, restore)): a few
 * shapes exist per log group, and a batch has one log group, so they are built once per (namespace, log group)
 * and kept for the next call.
 */
interface DocumentParts {
  namespace: string;
  logGroup: string;
  report: readonly Uint8Array[];
}
let parts: DocumentParts | undefined;

/** Index of a REPORT document's shape: which of Init Duration and Restore Duration it has. */
const REPORT_SHAPE = (init: boolean, restore: boolean): number => (init ? 1 : 0) + (restore ? 2 : 0);

function documentParts(namespace: string, logGroup: string): DocumentParts {
  if (parts !== undefined && parts.namespace === namespace && parts.logGroup === logGroup) return parts;
  const [dimKey, dimValue] = dimensionOf(logGroup);
  const middle = (metrics: readonly Metric[]): Uint8Array =>
    new Uint8Array(Buffer.from(`,"CloudWatchMetrics":${JSON.stringify(directives(namespace, dimKey, metrics))}},"${dimKey}":${JSON.stringify(dimValue)},"RequestId":`, 'utf8'));
  parts = { namespace, logGroup, report: [middle(REPORT_METRICS), middle([...REPORT_METRICS, INIT]), middle([...REPORT_METRICS, RESTORE]), middle([...REPORT_METRICS, INIT, RESTORE])] };
  return parts;
}

// The fixed text around the numbers.
const HEAD = '{"_aws":{"Timestamp":';
const DURATION = ',"Invocations":1,"Duration":';
const BILLED = ',"BilledDuration":';
const MEMORY_SIZE = ',"MemorySize":';
const MAX_MEMORY = ',"MaxMemoryUsed":';
const INIT_DURATION = ',"InitDuration":';
const RESTORE_DURATION = ',"RestoreDuration":';

/**
 * A REPORT line's document as the forwarder packs it: it writes the bytes of `platformDocument` straight
 * into the record (constant parts as bytes, the timestamp as digits, the report's number texts and request id
 * character by character). Building the text as a string first, for the encoder to flatten and encode, measured
 * about 1.5 times the cost per REPORT line, and there is one per invocation (docs/performance.md).
 * kept: saves 19 % of forwarder (npm run bench, Node 22)
 */
export class PlatformReportDocument implements DocumentText {
  readonly maxBytes: number;
  private readonly shape: Uint8Array;

  constructor(
    private readonly report: PlatformReport,
    private readonly timedOut: boolean,
    private readonly opts: Readonly<PlatformDocOptions>,
  ) {
    const p = documentParts(opts.namespace, opts.logGroup);
    this.shape = p.report[REPORT_SHAPE(report.initDurationMs !== undefined, report.restoreDurationMs !== undefined)]!;
    // JSON.stringify writes a UTF-16 unit as at most 6 bytes (`\u001f`); each number is at most 25 characters.
    this.maxBytes = this.shape.length + 6 * (report.requestId.length + (report.errorType?.length ?? 0)) + 512;
  }

  writeTo(out: Buffer, o: number): number {
    const r = this.report;
    const timedOut = this.timedOut || r.status === 'timeout';
    const init = r.initDurationMs;
    const restore = r.restoreDurationMs;
    o = putBytes(out, o, HEAD_BYTES);
    o = putNumber(out, o, Math.trunc(this.opts.timestamp));
    o = putBytes(out, o, this.shape);
    o = putJsonString(out, o, r.requestId);
    const status = statusIndex(timedOut ? 'timeout' : r.status);
    if (r.errorType !== undefined) {
      o = putBytes(out, o, STATUS_BYTES[status]!);
      o = putBytes(out, o, ERROR_TYPE_BYTES);
      o = putJsonString(out, o, r.errorType);
      o = putBytes(out, o, DURATION_BYTES);
    } else {
      o = putBytes(out, o, STATUS_TO_DURATION_BYTES[status]!);
    }
    o = putAscii(out, o, r.durationMs);
    o = putBytes(out, o, BILLED_BYTES);
    o = putAscii(out, o, r.billedDurationMs);
    o = putBytes(out, o, MEMORY_SIZE_BYTES);
    o = putAscii(out, o, r.memorySizeMB);
    o = putBytes(out, o, MAX_MEMORY_BYTES);
    o = putAscii(out, o, r.maxMemoryUsedMB);
    o = putBytes(out, o, COUNTS_BYTES[(init !== undefined || restore !== undefined ? 4 : 0) + (r.status === 'error' || r.status === 'failure' ? 2 : 0) + (timedOut ? 1 : 0)]!);
    if (init !== undefined) {
      o = putBytes(out, o, INIT_BYTES);
      o = putAscii(out, o, init);
    }
    if (restore !== undefined) {
      o = putBytes(out, o, RESTORE_BYTES);
      o = putAscii(out, o, restore);
    }
    out[o] = 0x7d; // }
    return o + 1;
  }

  toString(): string {
    return platformDocument({ kind: 'report', report: this.report, timedOut: this.timedOut }, this.opts);
  }
}

// Constant runs are joined where they meet (one copy instead of two or three: about a tenth of the writing).
const HEAD_BYTES = ascii(HEAD);
/** A status's index in PLATFORM_STATUSES, for the arrays below. */
const statusIndex = (s: PlatformStatus): number => (s === 'success' ? 0 : s === 'timeout' ? 1 : s === 'error' ? 2 : 3);
// `"Status":"<status>"`, the closing quote left open for an ErrorType to follow.
const STATUS_BYTES = PLATFORM_STATUSES.map((s) => ascii(`,"Status":"${s}`));
const STATUS_TO_DURATION_BYTES = PLATFORM_STATUSES.map((s) => ascii(`,"Status":"${s}"${DURATION}`));
const ERROR_TYPE_BYTES = ascii('","ErrorType":');
const DURATION_BYTES = ascii(DURATION);
const BILLED_BYTES = ascii(BILLED);
const MEMORY_SIZE_BYTES = ascii(MEMORY_SIZE);
const MAX_MEMORY_BYTES = ascii(MAX_MEMORY);
/** `ColdStart`, `Errors` and `Timeouts`, at 4 × cold start + 2 × error + timed out. */
const COUNTS_BYTES = Array.from({ length: 8 }, (_, k) => ascii(`,"ColdStart":${k >> 2},"Errors":${(k >> 1) & 1},"Timeouts":${k & 1}`));
const INIT_BYTES = ascii(INIT_DURATION);
const RESTORE_BYTES = ascii(RESTORE_DURATION);

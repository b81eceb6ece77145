import { ascii, putBytes, putJsonString, putNumber } from './bytes.ts';
import { compressRecord, recordHeader, RECORD_TRAILER, type ForwardedDocument, type RecordCompression, type RecordContext } from './format.ts';

/**
 * The forwarder's encoder: the same bytes as `encodeRecord(ctx, docs.map(serialiseDocument), compression)`,
 * written straight into a reusable byte buffer. The string way builds every document's text, joins them
 * (a copy) and encodes the join to UTF-8 (a second copy); measured, that was most of the cost of packing.
 * Here the EMF text is the only string encoded (one UTF-8 write per document, no intermediate string), the
 * fixed parts are byte constants, and the CloudWatch event id and timestamp are written digit by digit
 * when they are the usual digits-only id and integer milliseconds (otherwise through `JSON.stringify`
 * and `String`, exactly as `serialiseDocument` writes them).
 *
 * Use: `append(doc)` writes a document; `bytes` is then the size of the record's JSON so far, trailer
 * included, so the packer can see whether the document went past its size target, and `dropLast()` takes
 * that document back out (it is written again into the next record: measured, cheaper than measuring every
 * document before writing it). `finish()` gives the record's data and starts the next record. `encode`
 * re-encodes any range of documents at once (to split a record that turned out too large). `close()` hands
 * the buffer on to the next encoder.
 * kept: saves 51 % of forwarder (npm run bench, Node 22)
 */
export class RecordEncoder {
  private readonly header: Buffer;
  private readonly compression: RecordCompression;
  private out: Buffer;
  private used: number;
  private count = 0;
  /** `used` before the last `append`, for `dropLast`. */
  private lastStart: number;

  constructor(ctx: RecordContext, compression: RecordCompression) {
    this.header = Buffer.from(recordHeader(ctx), 'utf8');
    this.compression = compression;
    this.out = claimScratch(this.header.length + 2);
    this.used = this.lastStart = this.header.copy(this.out, 0);
  }

  /** UTF-8 bytes of the record's JSON if it were finished now. */
  get bytes(): number {
    return this.used + RECORD_TRAILER.length;
  }

  /** Appends one document. */
  append(doc: ForwardedDocument): void {
    const emf = doc.emf;
    // Room at 6 bytes per UTF-16 unit of the id (JSON escapes) and 3 for the rest, so no write is cut short.
    const emfBytes = typeof emf === 'string' ? 3 * emf.length : emf.maxBytes;
    const need = this.used + 6 * doc.id.length + 3 * `${doc.origin}`.length + emfBytes + 128;
    let out = this.out;
    if (need > out.length) out = this.out = growScratch(out, this.used, need);
    let o = this.lastStart = this.used;
    if (this.count > 0) out[o++] = 0x2c; // ,
    o = putBytes(out, o, OPEN_ID);
    o = putJsonString(out, o, doc.id);
    o = putBytes(out, o, ID_TO_TIMESTAMP);
    o = putNumber(out, o, doc.timestamp);
    o = putBytes(out, o, TIMESTAMP_TO_ORIGIN);
    o += out.write(`${doc.origin}`, o);
    o = putBytes(out, o, ORIGIN_TO_EMF);
    o = typeof emf === 'string' ? o + out.write(emf, o) : emf.writeTo(out, o);
    out[o++] = 0x7d; // }
    this.used = o;
    this.count++;
  }

  /** Takes the document of the last `append` back out (once per `append`). */
  dropLast(): void {
    if (this.used === this.lastStart) throw new Error('RecordEncoder.dropLast: nothing appended since the last drop or finish');
    this.used = this.lastStart;
    this.count--;
  }

  /** The data of the record of the documents appended since the last `finish`; starts the next record. */
  finish(): Buffer {
    const out = this.out;
    let o = this.used;
    out[o++] = 0x5d; // ]
    out[o++] = 0x7d; // }
    const json = out.subarray(0, o);
    // The compressors read the scratch buffer in place; an uncompressed record gets its own exact-size copy.
    const data = compressRecord(json, this.compression);
    this.used = this.lastStart = this.header.length;
    this.count = 0;
    if (out.length > SCRATCH_KEEP_BYTES) {
      // Grown for an unusually large record: let it go, and start the next record in a buffer of the usual size.
      this.out = claimScratch(this.header.length + 2);
      this.header.copy(this.out, 0);
    }
    return data;
  }

  /** Done with this encoder: its buffer serves the next one. */
  close(): void {
    if (this.out.length <= SCRATCH_KEEP_BYTES) scratch = this.out;
  }

  /** The record data of `docs[from..to)` (documents appended but not finished are dropped). */
  encode(docs: readonly ForwardedDocument[], from: number, to: number): Buffer {
    this.used = this.lastStart = this.header.length;
    this.count = 0;
    for (let i = from; i < to; i++) this.append(docs[i]!);
    return this.finish();
  }
}

const OPEN_ID = ascii('{"id":');
const ID_TO_TIMESTAMP = ascii(',"timestamp":');
const TIMESTAMP_TO_ORIGIN = ascii(',"origin":"');
const ORIGIN_TO_EMF = ascii('","emf":');

/**
 * The encoders of the process reuse one buffer: each claims it (an encoder created while another is open
 * gets a buffer of its own) and `close` puts it back. Kept up to SCRATCH_KEEP_BYTES; a larger one, grown
 * for an unusually large record, is let go.
 */
const SCRATCH_KEEP_BYTES = 4 << 20;
let scratch: Buffer | undefined;

function claimScratch(bytes: number): Buffer {
  const b = scratch !== undefined && scratch.length >= bytes ? scratch : Buffer.allocUnsafeSlow(Math.max(bytes, 1 << 20));
  scratch = undefined;
  return b;
}

function growScratch(out: Buffer, used: number, need: number): Buffer {
  const bigger = Buffer.allocUnsafeSlow(Math.max(need, out.length * 2));
  out.copy(bigger, 0, 0, used);
  return bigger;
}

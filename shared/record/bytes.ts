/**
 * Writing JSON text straight into a byte buffer: the record encoder and the platform documents it
 * writes share these. Each returns the offset after what it wrote; the caller has made room.
 */

/** The bytes of an ASCII constant. */
export const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/**
 * A string that `JSON.stringify` writes as `"<the string>"` and whose every character is one UTF-8 byte
 * (printable ASCII other than `"` and `\`: CloudWatch's event ids, Lambda's request ids). A regular
 * expression: measured twice as fast as a loop over the characters.
 */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Whether `JSON.stringify(s)` is `s` between quotes, one UTF-8 byte per character (see PLAIN_JSON_STRING). */
export const isPlainJsonString = (s: string): boolean => PLAIN_JSON_STRING.test(s);

/** Digits of `n` when it is a non-negative safe integer (printed as plain digits), otherwise 0. */
function plainIntegerDigits(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return 0;
  // Milliseconds since the epoch have 13 digits until the year 2286.
  if (n >= 1e12 && n < 1e13) return 13;
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  return digits;
}

/** The two ASCII digits of 0-99, at twice the number. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 0x30 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 0x30 + (i % 10);
}

/**
 * Writes `digits` digits of the non-negative safe integer `n` (see `plainIntegerDigits`), two at a time from a
 * table: measured twice as fast as one division per digit on 13-digit timestamps, two of which every
 * platform document has.
 */
function putDigits(out: Buffer, o: number, n: number, digits: number): number {
  const end = o + digits;
  let i = end;
  let v = n;
  while (v >= 100) {
    const q = Math.floor(v / 100);
    const r = (v - q * 100) * 2;
    out[--i] = DIGIT_PAIRS[r + 1]!;
    out[--i] = DIGIT_PAIRS[r]!;
    v = q;
  }
  if (v >= 10) {
    out[--i] = DIGIT_PAIRS[v * 2 + 1]!;
    out[--i] = DIGIT_PAIRS[v * 2]!;
  } else {
    out[--i] = 0x30 + v;
  }
  return end;
}

/** Writes a finite number as `JSON.stringify` does (`String(n)`): plain integers through `putDigits`, anything else through `String`. */
export function putNumber(out: Buffer, o: number, n: number): number {
  const digits = plainIntegerDigits(n);
  return digits > 0 ? putDigits(out, o, n, digits) : o + out.write(String(n), o, 'latin1');
}

/**
 * Writes a string of ASCII characters (a number's text, a request id of letters and digits) one byte per
 * character. A loop: for texts this short, measured faster than `Buffer.write` and its call into C++.
 */
export function putAscii(out: Buffer, o: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) out[o + i] = s.charCodeAt(i);
  return o + n;
}

/** Copies a byte constant (TypedArray `set`: measured faster than a loop, and than a string write). */
export function putBytes(out: Buffer, o: number, bytes: Uint8Array): number {
  out.set(bytes, o);
  return o + bytes.length;
}

/** Writes `JSON.stringify(s)` as UTF-8. */
export function putJsonString(out: Buffer, o: number, s: string): number {
  if (PLAIN_JSON_STRING.test(s)) {
    out[o] = 0x22;
    o += 1 + out.write(s, o + 1, 'latin1');
    out[o] = 0x22;
    return o + 1;
  }
  return o + out.write(JSON.stringify(s), o);
}

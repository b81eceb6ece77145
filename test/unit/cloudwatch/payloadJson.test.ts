/**
 * `parsePayloadJson` is `JSON.parse(json.toString('utf8'))`, value for value and error for error, whatever the
 * bytes; it reads a CloudWatch-laid-out payload in pieces (never one string of the whole); and it leaves the
 * bytes as it found them.
 */
import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parsePayloadJson, PIECE_BYTES } from '../../../shared/cloudwatch/payloadJson.ts';
import { getFixtureLines } from '../../fixtures/cache.ts';
import { subscriptionPayload } from '../../fixtures/subscription.ts';
import type { FixtureLine } from '../../fixtures/types.ts';

type Outcome = { value: unknown } | { error: string };

function outcome(parse: () => unknown): Outcome {
  try {
    return { value: parse() };
  } catch (err) {
    expect(err).toBeInstanceOf(SyntaxError);
    return { error: (err as Error).message };
  }
}

/** Both parses of `bytes` (with `pieceBytes`), which must agree, and the bytes unchanged. */
function expectSameAsJsonParse(bytes: Buffer, pieceBytes: number): Outcome {
  const before = Buffer.from(bytes);
  const expected = outcome(() => JSON.parse(bytes.toString('utf8')));
  const actual = outcome(() => parsePayloadJson(bytes, pieceBytes));
  expect(actual).toStrictEqual(expected);
  expect(bytes.equals(before)).toBe(true);
  return actual;
}

/** Lengths of the texts `JSON.parse` is given while `fn` runs. */
function parsedLengths(fn: () => unknown): number[] {
  const lengths: number[] = [];
  const parse = JSON.parse;
  const spy = vi.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    lengths.push(text.length);
    return parse(text, reviver);
  });
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return lengths;
}

const bytesOf = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');
const payloadOf = (messages: readonly string[], extra: Record<string, unknown> = {}) => ({
  ...subscriptionPayload({ logGroup: '/aws/lambda/orders', logStream: '2026/11/23/[$LATEST]abc', events: messages.map((message, i) => ({ message, timestamp: 1_763_900_000_000 + i })) }),
  ...extra,
});

describe('parsePayloadJson', () => {
  let lines: FixtureLine[];
  beforeAll(async () => {
    lines = await getFixtureLines();
  });

  it('reads a payload of the real producers\' lines in pieces, with the value JSON.parse gives', () => {
    const json = bytesOf(payloadOf(lines.map((l) => l.message)));
    expect(json.length).toBeGreaterThan(8 * 4096);
    for (const pieceBytes of [1, 100, 4096, PIECE_BYTES]) expectSameAsJsonParse(json, pieceBytes);
    // No text parsed is much longer than a piece: the longest is a piece plus the event it was cut after.
    const longestEvent = Math.max(...lines.map((l) => JSON.stringify(l.message).length)) + 100;
    const lengths = parsedLengths(() => parsePayloadJson(json, 4096));
    expect(lengths.length).toBeGreaterThan(json.length / (4096 + longestEvent));
    expect(Math.max(...lengths)).toBeLessThan(4096 + longestEvent);
  });

  it('parses a payload no larger than one piece as one text', () => {
    const json = bytesOf(payloadOf(['a', 'b']));
    expect(parsedLengths(() => parsePayloadJson(json, json.length))).toEqual([json.length]);
  });

  it('agrees with JSON.parse on payloads whose messages hold the texts it cuts at', () => {
    const tricky = ['},{"', '},{"id":"', ',"logEvents":[', ']}', '"', '\\', '\\"},{"', '{"_aws":{}}', 'é東😀', '\u2028\u0000'];
    const messages = Array.from({ length: 400 }, (_, i) => tricky[i % tricky.length]!.repeat(1 + (i % 7)));
    for (const pieceBytes of [1, 13, 64, 1000]) {
      expectSameAsJsonParse(bytesOf(payloadOf(messages)), pieceBytes);
      // A message that ends with `},{` puts `},{"` just before its closing quote.
      expectSameAsJsonParse(bytesOf(payloadOf(messages.map((m) => `${m}},{`))), pieceBytes);
    }
  });

  it('agrees with JSON.parse on layouts other than CloudWatch\'s, which it parses whole', () => {
    const events = payloadOf(['x', 'y', 'z']).logEvents;
    const base = payloadOf([]);
    const cases: unknown[] = [
      { ...base, logEvents: [] },
      { ...base, logEvents: events, after: 1 },
      { ...base, logEvents: events, after: [1] },
      { ...base, logEvents: [...events, [{ id: 'a' }, { id: 'b' }]] },
      { logEvents: events },
      [{ logEvents: events }],
      { ...base, logEvents: events.map((e) => ({ message: e.message, id: e.id, nested: [{ id: 1 }, { id: 2 }] })) },
    ];
    for (const c of cases) for (const pieceBytes of [1, 10, 50]) expectSameAsJsonParse(bytesOf(c), pieceBytes);
    const text = JSON.stringify({ ...base, logEvents: events });
    const texts = [
      // a `logEvents` member already in the head: JSON.parse keeps its place and takes the last value
      text.replace('"owner"', '"logEvents":[{"id":"0"}],"owner"'),
      text.replace('{"messageType"', '{"__proto__":{"a":1},"messageType"'),
      ` ${text}\n`,
      text.replace(/,/g, ' , '),
      text.replace('"logEvents":[', '"logEvents":[ '),
      text.replace(/\]\}$/, ' ]}'),
      text.replace('{"messageType":"DATA_MESSAGE",', '{'),
      `{${text.slice(text.indexOf(',"logEvents"'))}`,
    ];
    for (const t of texts) for (const pieceBytes of [1, 10, 50]) expectSameAsJsonParse(Buffer.from(t, 'utf8'), pieceBytes);
  });

  it('gives JSON.parse\'s error for a payload broken anywhere, and leaves its bytes alone', () => {
    const json = bytesOf(payloadOf(lines.slice(0, 60).map((l) => l.message)));
    fc.assert(
      fc.property(fc.nat(json.length - 1), fc.integer({ min: 0, max: 255 }), fc.boolean(), fc.constantFrom(1, 40, 400, 4000), (at, byte, cut, pieceBytes) => {
        const broken = cut ? Buffer.from(json.subarray(0, at)) : Buffer.from(json);
        if (!cut) broken[at] = byte;
        expectSameAsJsonParse(broken, pieceBytes);
      }),
      { numRuns: fuzzRuns(400) },
    );
  });

  it('agrees with JSON.parse on arbitrary payloads, bytes that are not UTF-8 included', () => {
    const part = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('},{"', '},{"id":"', ',"logEvents":[', ']}', '"', '\\', '{', '['));
    const message = fc.array(part, { maxLength: 6 }).map((p) => p.join(''));
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 40 }),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 2 }),
        fc.constantFrom(1, 16, 200),
        (messages, extra, rawBytes, pieceBytes) => {
          const json = bytesOf(payloadOf(messages, extra));
          for (const [at, b] of rawBytes) json[at % json.length] = b;
          expectSameAsJsonParse(json, pieceBytes);
        },
      ),
      { numRuns: fuzzRuns(300) },
    );
  });
});

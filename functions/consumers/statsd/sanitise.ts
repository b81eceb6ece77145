/**
 * Names and tags that follow Datadog's rules and cannot break the line protocol.
 *
 * Every piece of text that reaches the wire goes through an allow-list (not a block-list):
 * what is not explicitly allowed becomes `_`. The allow-lists contain none of the protocol's
 * separators (`:` `|` `,` `#` `@` `=` newline, carriage return), except `:` inside a DogStatsD
 * tag value, where the Agent splits a tag's key at the *first* colon only. So no dimension or
 * property, however hostile, can add a line, a metric field or a tag.
 *
 * - Metric names: ASCII letters, digits, `_` and `.`; must start with a letter (else `m_` is
 *   prepended); at most 200 characters (Datadog's limit) except in the plain StatsD style,
 *   where dimensions are folded into the name and truncating would merge series.
 * - Tags: Unicode letters, ASCII digits, `_` `-` `.` `/` (and `:` in DogStatsD values); keys
 *   must start with a letter (else `t_` is prepended); `key:value` at most 200 characters; a
 *   DogStatsD tag never ends with `:`. Case is kept (Datadog lower-cases tags itself; other
 *   DogStatsD servers do not).
 *
 * https://docs.datadoghq.com/metrics/custom_metrics/#naming-custom-metrics
 * https://docs.datadoghq.com/getting_started/tagging/#define-tags
 */
import type { Style } from './constants.ts';

/** Datadog's limit for metric names and for a whole `key:value` tag. */
const MAX_NAME_LENGTH = 200;
const MAX_TAG_LENGTH = 200;
/** Keys are cut first, so a tag always keeps its separator and some of its value. */
const MAX_TAG_KEY_LENGTH = 100;

const NAME_INVALID = /[^A-Za-z0-9_.]/g;
const SEGMENT_INVALID = /[^A-Za-z0-9_-]/g;
const TAG_KEY_INVALID = /[^\p{L}0-9_\-./]/gu;
const DOGSTATSD_TAG_VALUE_INVALID = /[^\p{L}0-9_\-:./]/gu;
const STARTS_WITH_ASCII_LETTER = /^[A-Za-z]/;
const STARTS_WITH_LETTER = /^\p{L}/u;

/** Cuts to `max` UTF-16 units without leaving half of a surrogate pair at the end. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

/**
 * A metric name (already joined with `.`) made valid: invalid characters → `_`, a leading
 * non-letter gets `m_`, cut at 200 characters unless `limit` is false.
 *
 * @example sanitiseMetricName('Checkout/API.p99 latency') // 'Checkout_API.p99_latency'
 */
export function sanitiseMetricName(raw: string, limit = true): string {
  let s = raw.replace(NAME_INVALID, '_');
  if (!STARTS_WITH_ASCII_LETTER.test(s)) s = `m_${s}`;
  return limit ? cut(s, MAX_NAME_LENGTH) : s;
}

/** One path segment of a plain-StatsD folded name (no `.`, so each key and value stays one segment). */
export function sanitiseSegment(raw: string): string {
  return raw.replace(SEGMENT_INVALID, '_');
}

/** A tag key: no separator of any style (not even `:`); starts with a letter. */
export function sanitiseTagKey(raw: string): string {
  let s = raw.replace(TAG_KEY_INVALID, '_');
  if (!STARTS_WITH_LETTER.test(s)) s = `t_${s}`;
  return cut(s, MAX_TAG_KEY_LENGTH);
}

/** A tag value: `:` is kept for DogStatsD only (Telegraf splits its lines at `:`). */
export function sanitiseTagValue(raw: string, style: Style): string {
  return raw.replace(style === 'dogstatsd' ? DOGSTATSD_TAG_VALUE_INVALID : TAG_KEY_INVALID, '_');
}

/**
 * `key:value` (DogStatsD) or `key=value` (Telegraf), at most 200 characters, never ending in `:`.
 * Both parts must already be sanitised.
 */
export function formatTag(key: string, value: string, style: Style): string {
  let tag = cut(key + (style === 'telegraf' ? '=' : ':') + value, MAX_TAG_LENGTH);
  if (tag.endsWith(':')) tag = `${tag.slice(0, -1)}_`;
  return tag;
}

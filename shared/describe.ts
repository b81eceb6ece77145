/**
 * Bounded descriptions of untrusted values, for rejection reasons and log lines. A document's
 * value can be nested 100,000 levels deep (`JSON.parse` accepts that) or be megabytes long:
 * `JSON.stringify` of it would overflow the stack or flood the log. These never walk a value:
 * a string is quoted and cut, an array or object is named by its kind and size.
 */

/** Longest string quoted in full. */
const MAX_CHARS = 80;

/**
 * @example
 * describeValue('abc')       // '"abc"'
 * describeValue(1.5)         // '1.5'
 * describeValue([[[[1]]]])   // 'an array of 1 item'
 * describeValue({ a: 1 })    // 'an object'
 * describeValue(undefined)   // 'absent'
 */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v.length > MAX_CHARS ? `${JSON.stringify(v.slice(0, MAX_CHARS))}… (${v.length} characters)` : JSON.stringify(v);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'undefined':
      return 'absent';
    case 'object':
      if (v === null) return 'null';
      return Array.isArray(v) ? `an array of ${v.length} item${v.length === 1 ? '' : 's'}` : 'an object';
    default:
      return typeof v;
  }
}

/** An error's message, cut to a bounded length (for errors whose message may quote input). */
export function describeError(err: unknown): string {
  const m = err instanceof Error ? `${err.name}: ${err.message}` : describeValue(err);
  return m.length > 200 ? `${m.slice(0, 200)}…` : m;
}

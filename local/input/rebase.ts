/**
 * Moves recorded log events to the present, keeping their spacing: a recording (the bundled
 * sample, or `--rebase` on an old filter-log-events export) would otherwise carry timestamps that
 * the EMF window (−14 days / +2 hours) and a Prometheus receiver (samples older than its head
 * block) reject. Only times change: the event timestamp, every `"Timestamp": <epoch ms>` member
 * (also inside JSON-escaped text such as a JSON-format log line's `message`), and every ISO-8601
 * UTC time in the message (Lambda's text prefix, `platform.*` records). All other bytes stay as recorded.
 */
import type { InputEvent } from './types.ts';

/** `"Timestamp": 1700000000000` (a fraction kept as is), possibly with escaped quotes (`\"Timestamp\":…`). */
const TIMESTAMP_MEMBER = /((?:\\*)"Timestamp(?:\\*)"\s*:\s*)(\d{11,15})(?=[.,}\s\\]|$)/g;
/** `2026-11-23T11:19:59.041Z` (fraction optional, UTC only). */
const ISO_UTC = /\b(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,3})?Z/g;

/** Shifts every time in `message` by `deltaMs`. */
export function shiftMessage(message: string, deltaMs: number): string {
  if (deltaMs === 0) return message;
  return message
    .replace(TIMESTAMP_MEMBER, (_m, key: string, ms: string) => `${key}${Number(ms) + deltaMs}`)
    .replace(ISO_UTC, (m, _s: string, fraction: string | undefined) => {
      const t = Date.parse(m);
      if (Number.isNaN(t)) return m;
      const iso = new Date(t + deltaMs).toISOString();
      // Keep the recorded precision: no fraction stays no fraction.
      return fraction === undefined ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19 + fraction.length)}Z`;
    });
}

/**
 * Returns the events shifted so that the newest one is at `now`.
 *
 * @example
 * const events = rebaseEvents(recorded, Date.now());
 */
export function rebaseEvents(events: readonly InputEvent[], now: number): InputEvent[] {
  if (events.length === 0) return [];
  let newest = Number.NEGATIVE_INFINITY;
  for (const e of events) newest = Math.max(newest, e.timestamp);
  const delta = Math.trunc(now - newest);
  return events.map((e) => ({ ...e, timestamp: e.timestamp + delta, message: shiftMessage(e.message, delta) }));
}

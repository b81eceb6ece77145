/**
 * Counts by reason, keeping the first example of each, so a batch reports its problems in
 * one structured log line instead of one line per event.
 */
const EXAMPLE_MAX_CHARS = 300;

export class Tally {
  readonly counts: Record<string, number> = {};
  readonly examples: Record<string, string> = {};

  /** `example` may be a function: it is called only for the first example of a reason (rejections of a whole batch stay cheap). */
  add(reason: string, example?: string | (() => string), n = 1): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + n;
    if (example !== undefined && !(reason in this.examples)) {
      const text = typeof example === 'function' ? example() : example;
      this.examples[reason] = text.length > EXAMPLE_MAX_CHARS ? `${text.slice(0, EXAMPLE_MAX_CHARS)}…` : text;
    }
  }

  get total(): number {
    let t = 0;
    for (const v of Object.values(this.counts)) t += v;
    return t;
  }

  merge(other: Tally): void {
    for (const [k, v] of Object.entries(other.counts)) this.add(k, other.examples[k], v);
  }
}

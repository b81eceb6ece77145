/**
 * Counts by reason, keeping the first example of each, so a batch reports its problems in
 * one structured log line instead of one line per event.
 */
export const EXAMPLE_MAX_CHARS = 300;

export class Tally {
  readonly counts: Record<string, number> = {};
  readonly examples: Record<string, string> = {};

  add(reason: string, example?: string, n = 1): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + n;
    if (example !== undefined && !(reason in this.examples)) {
      this.examples[reason] = example.length > EXAMPLE_MAX_CHARS ? `${example.slice(0, EXAMPLE_MAX_CHARS)}…` : example;
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

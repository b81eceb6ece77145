/** Interleaved timing of a candidate against its lower bound; medians over rounds. */
export interface Comparison {
  candidateMs: number;
  lowerBoundMs: number;
  ratio: number;
}

export function compare(candidate: () => void, lowerBound: () => void, rounds = 25, warmup = 5): Comparison {
  for (let i = 0; i < warmup; i++) {
    candidate();
    lowerBound();
  }
  const c: number[] = [];
  const l: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate the order so neither side always runs on a warmer cache or after a GC.
    if (i % 2 === 0) {
      c.push(time(candidate));
      l.push(time(lowerBound));
    } else {
      l.push(time(lowerBound));
      c.push(time(candidate));
    }
  }
  const candidateMs = median(c);
  const lowerBoundMs = median(l);
  return { candidateMs, lowerBoundMs, ratio: candidateMs / lowerBoundMs };
}

/** `npm run bench` runs node with --expose-gc: each side starts with a clean heap, so neither pays for the other's garbage. */
const gc = (globalThis as { gc?: () => void }).gc;

function time(fn: () => void): number {
  gc?.();
  const t = performance.now();
  fn();
  return performance.now() - t;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Interleaved timing of a candidate against its lower bound; medians over rounds. */
export interface Comparison {
  candidateMs: number;
  lowerBoundMs: number;
  ratio: number;
}

export function compare(candidate: () => void, lowerBound: () => void, rounds = 15, warmup = 3): Comparison {
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

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

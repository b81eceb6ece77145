/**
 * Timing of a candidate against its lower bound, each in its own steady state.
 *
 * The two run in alternating blocks (candidate block, lower-bound block, then the other order):
 * within a block a side runs back to back, so it pays for its own garbage collection and for
 * nobody else's, as a warm Lambda container does from one batch to the next. The first run of a
 * block is not counted (it may still collect the other side's garbage). No forced `gc()`: a forced
 * full collection shrinks V8's young generation, so every run would start from a cold heap that no
 * container ever has. The result is the median of the counted runs of each side.
 */
export interface Comparison {
  candidateMs: number;
  lowerBoundMs: number;
  ratio: number;
}

export function compare(candidate: () => void, lowerBound: () => void, blocks = 8, perBlock = 4, warmup = 5): Comparison {
  for (let i = 0; i < warmup; i++) {
    candidate();
    lowerBound();
  }
  const c: number[] = [];
  const l: number[] = [];
  for (let b = 0; b < blocks; b++) {
    if (b % 2 === 0) {
      block(candidate, perBlock, c);
      block(lowerBound, perBlock, l);
    } else {
      block(lowerBound, perBlock, l);
      block(candidate, perBlock, c);
    }
  }
  const candidateMs = median(c);
  const lowerBoundMs = median(l);
  return { candidateMs, lowerBoundMs, ratio: candidateMs / lowerBoundMs };
}

function block(fn: () => void, n: number, out: number[]): void {
  fn(); // settles the heap after the other side's block
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

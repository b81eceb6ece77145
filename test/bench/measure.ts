/**
 * Timing of a candidate against its lower bound, each in its own steady state.
 *
 * The two run in alternating blocks (candidate block, lower-bound block, then the other order):
 * within a block a side runs back to back, so it pays for its own garbage collection and for
 * nobody else's, as a warm Lambda container does from one batch to the next. The first run of a
 * block is not counted (it may still collect the other side's garbage). No forced `gc()`: a forced
 * full collection shrinks V8's young generation, so every run would start from a cold heap that no
 * container ever has. The result is the median of the counted runs of each side.
 *
 * Beside each run's wall time, its CPU time (`process.cpuUsage`, user + system, of the whole process: V8's
 * collector and compiler threads included, so it can exceed the wall time). Reported only: the ratio is
 * the wall times'.
 */
export interface Comparison {
  candidateMs: number;
  lowerBoundMs: number;
  /** Median CPU time of the candidate's counted runs. */
  candidateCpuMs: number;
  /** Median CPU time of the lower bound's counted runs. */
  lowerBoundCpuMs: number;
  ratio: number;
}

/** Wall and CPU times of one side's counted runs, in ms. */
interface Times {
  wall: number[];
  cpu: number[];
}

export function compare(candidate: () => void, lowerBound: () => void, blocks = 8, perBlock = 4, warmup = 5): Comparison {
  for (let i = 0; i < warmup; i++) {
    candidate();
    lowerBound();
  }
  const c: Times = { wall: [], cpu: [] };
  const l: Times = { wall: [], cpu: [] };
  for (let b = 0; b < blocks; b++) {
    if (b % 2 === 0) {
      block(candidate, perBlock, c);
      block(lowerBound, perBlock, l);
    } else {
      block(lowerBound, perBlock, l);
      block(candidate, perBlock, c);
    }
  }
  return comparison(c, l);
}

/** `compare` for sides that may complete asynchronously (the consumer handler), in the same blocks. */
export async function compareAsync(candidate: () => Promise<void> | void, lowerBound: () => Promise<void> | void, blocks = 8, perBlock = 4, warmup = 5): Promise<Comparison> {
  for (let i = 0; i < warmup; i++) {
    await candidate();
    await lowerBound();
  }
  const c: Times = { wall: [], cpu: [] };
  const l: Times = { wall: [], cpu: [] };
  for (let b = 0; b < blocks; b++) {
    if (b % 2 === 0) {
      await blockAsync(candidate, perBlock, c);
      await blockAsync(lowerBound, perBlock, l);
    } else {
      await blockAsync(lowerBound, perBlock, l);
      await blockAsync(candidate, perBlock, c);
    }
  }
  return comparison(c, l);
}

async function blockAsync(fn: () => Promise<void> | void, n: number, out: Times): Promise<void> {
  await fn(); // settles the heap after the other side's block
  for (let i = 0; i < n; i++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    await fn();
    out.wall.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    out.cpu.push((used.user + used.system) / 1000);
  }
}

function comparison(c: Times, l: Times): Comparison {
  const candidateMs = median(c.wall);
  const lowerBoundMs = median(l.wall);
  return { candidateMs, lowerBoundMs, candidateCpuMs: median(c.cpu), lowerBoundCpuMs: median(l.cpu), ratio: candidateMs / lowerBoundMs };
}

function block(fn: () => void, n: number, out: Times): void {
  fn(); // settles the heap after the other side's block
  for (let i = 0; i < n; i++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    fn();
    out.wall.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    out.cpu.push((used.user + used.system) / 1000);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Instructions executed, counted by valgrind's cachegrind (`npm run bench:instructions`). A count does not move
 * with the neighbours of a shared machine, which move the wall-clock bench by 10 % and more; it is a cross-check
 * of the bench's ratios, not a replacement: a run's time also depends on memory traffic, which it does not see.
 */
import { execFile } from 'node:child_process';

/** The total of a cachegrind run (`==123== I   refs:      12,864,014,497`), from valgrind's standard error. */
export function instructionCount(stderr: string): number {
  const m = /\bI\s+refs:\s+([\d,]+)/.exec(stderr);
  if (m === null) throw new Error(`no instruction count in valgrind's output: ${stderr.slice(-500)}`);
  return Number(m[1]!.replaceAll(',', ''));
}

/** Instructions of one run: the difference of two counts of the same program with `fewer` and `more` runs. */
export function perRun(countFewer: number, countMore: number, fewer: number, more: number): number {
  if (!(more > fewer)) throw new Error(`the second count needs more runs than the first (${fewer}, ${more})`);
  return (countMore - countFewer) / (more - fewer);
}

/** Runs `node <args>` under cachegrind (instructions only) and returns its instruction count. */
export function countInstructions(nodeArgs: readonly string[]): Promise<number> {
  const args = ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', process.execPath, ...nodeArgs];
  return new Promise((resolve, reject) => {
    execFile('valgrind', args, { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, _stdout, stderr) => {
      if (err) {
        reject((err as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error('valgrind is not installed (Debian: apt-get install -y valgrind)')
          : new Error(`valgrind failed: ${err.message}\n${stderr.slice(-2000)}`));
        return;
      }
      try {
        resolve(instructionCount(stderr));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

/**
 * Prints the closing line CI reads — `N passed, N failed[, N skipped]` — after vitest's own summary.
 * A broken suite can never look green; the counting rules:
 * - every test counts once: `passed`, `failed`, or `skipped` when it was not meant to run (`.skip`,
 *   `.todo`, `.skipIf`, `.only` elsewhere, `-t`) or skipped itself at run time (`ctx.skip()`);
 * - a test that was meant to run but did not — skipped because a suite around it (a `describe` or the
 *   module) failed with an error of its own (a `beforeAll` that throws), or still pending when the run
 *   ended — counts as failed: one failure for each test that did not run;
 * - a suite with an error of its own that made no test count as failed that way counts as one failure
 *   itself: an `afterAll` that throws after its tests passed, a module that failed to load (syntax
 *   error, failing import: no tests collected), a `describe` callback that threw (vitest then keeps none
 *   of the module's tests);
 * - every unhandled error (one vitest reports outside any test) counts as one failure.
 */
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';

export interface SummaryCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface SummaryReporterOptions {
  /** Where the closing line goes. @default process.stdout */
  write?: (text: string) => void;
}

/** The suites around `test`, innermost first, the module last. */
function* suitesAround(test: TestCase): Generator<TestSuite | TestModule> {
  for (let s: TestSuite | TestModule = test.parent; ; s = s.parent) {
    yield s;
    if (s.type === 'module') return;
  }
}

/** Counts the run's tests by the rules of the module comment. */
export function countRun(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): SummaryCounts {
  const counts: SummaryCounts = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
  for (const mod of testModules) {
    // Suites with errors of their own (hooks, collection), and whether a test was counted failed for each.
    const broken = new Map<TestSuite | TestModule, boolean>();
    for (const s of [mod, ...mod.children.allSuites()]) if (s.errors().length > 0) broken.set(s, false);
    for (const test of mod.children.allTests()) {
      const { state } = test.result();
      if (state === 'passed' || state === 'failed') {
        counts[state]++;
        continue;
      }
      const meantToRun = test.options.mode === 'run' || test.options.mode === 'only';
      const culprit = meantToRun ? [...suitesAround(test)].find((s) => broken.has(s)) : undefined;
      if (culprit) broken.set(culprit, true);
      if (culprit || (meantToRun && state === 'pending')) counts.failed++;
      else counts.skipped++;
    }
    for (const countedInTests of broken.values()) if (!countedInTests) counts.failed++;
  }
  return counts;
}

export default class SummaryReporter implements Reporter {
  readonly #write: (text: string) => void;

  constructor(options: SummaryReporterOptions = {}) {
    this.#write = options.write ?? ((text) => void process.stdout.write(text));
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const { passed, failed, skipped } = countRun(testModules, unhandledErrors);
    this.#write(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  }
}

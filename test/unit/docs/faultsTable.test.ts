/**
 * docs/faults.md and the fault suite cannot drift: every row of the scenario table names a test of
 * test/integration/faults (file, and test name under the `describe` its scenario cell names), and every
 * test there has a row. Test names are read from the test files with a plain regular expression. And
 * `npm run test:faults`, the doc's one command, runs that folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const SUITE = 'test/integration/faults';

interface Row {
  scenario: string;
  file: string;
  test: string;
  cells: string[];
}

/** The rows of the table under `## Scenarios`. */
function tableRows(markdown: string): Row[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Scenarios\n'));
  if (section === undefined) throw new Error('docs/faults.md has no "## Scenarios" section');
  const lines = section.split('\n').filter((l) => l.startsWith('|')).slice(2); // header and separator
  return lines.map((line) => {
    const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim());
    const m = /^\[([\w.-]+\.test\.ts)\]\(\.\.\/test\/integration\/faults\/\1\) › (.+)$/.exec(cells[3] ?? '');
    return { scenario: cells[0] ?? '', file: m?.[1] ?? '', test: m?.[2] ?? '', cells };
  });
}

/** `describe`/`it` names of a test file, each `it` with the `describe` it follows. */
function testsOf(source: string): { scenario: string; test: string }[] {
  const out: { scenario: string; test: string }[] = [];
  let scenario = '';
  for (const m of source.matchAll(/\b(describe|it)\(\s*(['"])((?:\\.|(?!\2).)*)\2/g)) {
    const name = m[3]!.replace(/\\(.)/g, '$1');
    if (m[1] === 'describe') scenario = name;
    else out.push({ scenario, test: name });
  }
  return out;
}

const rows = tableRows(readFileSync(join(ROOT, 'docs/faults.md'), 'utf8'));
const files = readdirSync(join(ROOT, SUITE)).filter((f) => f.endsWith('.test.ts')).sort();
const tests = files.flatMap((file) => testsOf(readFileSync(join(ROOT, SUITE, file), 'utf8')).map((t) => ({ file, ...t })));
const key = (r: { file: string; scenario: string; test: string }) => `${r.file} › ${r.scenario} › ${r.test}`;

describe('docs/faults.md scenario table', () => {
  it('reads test names as the suite writes them', () => {
    expect(testsOf(`describe("a's", () => {\n  it('b "c"', x);\n  it('d\\'e', x);\n});`)).toEqual([
      { scenario: "a's", test: 'b "c"' },
      { scenario: "a's", test: "d'e" },
    ]);
    expect(tableRows('## Scenarios\n\n| s | w | l | t |\n|---|---|---|---|\n| A | B | 0 | [x.test.ts](../test/integration/faults/x.test.ts) › y: z |\n')).toEqual([
      { scenario: 'A', file: 'x.test.ts', test: 'y: z', cells: ['A', 'B', '0', '[x.test.ts](../test/integration/faults/x.test.ts) › y: z'] },
    ]);
  });

  it('npm run test:faults runs the suite', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['test:faults']).toBe(`vitest run ${SUITE}`);
  });

  it('the suite and the table are not empty', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(tests.length).toBeGreaterThan(0);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('every row names a test of test/integration/faults under its scenario', () => {
    const known = new Set(tests.map(key));
    const bad = rows.filter((r) => !known.has(key(r))).map((r) => r.cells.join(' | '));
    expect(bad).toEqual([]);
  });

  it('every test of test/integration/faults has a row', () => {
    const documented = new Set(rows.map(key));
    expect(tests.filter((t) => !documented.has(key(t))).map(key)).toEqual([]);
  });
});

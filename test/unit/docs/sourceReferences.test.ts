/**
 * Comments in the code point at the docs by path and anchor (`docs/prometheus.md#types`), and every such
 * reference resolves: the file exists and the anchor names one of its headings. A reference by heading
 * text alone (`README "Performance"`) goes stale silently when the docs move, so it is refused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorsOf } from '../../helpers/markdown.ts';

const ROOT = join(import.meta.dirname, '../../..');
const SELF = 'test/unit/docs/sourceReferences.test.ts';
const SOURCES = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '--', '*.ts', '*.mjs', '*.cjs', '*.js', '*.yml', '.ci/*'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && f !== SELF && !f.startsWith('node_modules/') && existsSync(join(ROOT, f)));

/** `README.md#anchor`, `docs/x.md`, `docs/x.md#anchor`, as written in a source file. */
const REFERENCE = /\b(README\.md|docs\/[\w.-]+\.md)(#[\w-]+)?/g;
/** A README or docs section named by its heading text instead of its anchor. */
const BY_HEADING = /\b(?:README|docs\/[\w.-]+\.md)(?:\.md)?\s*(?:[:(]\s*)?["“]/g;

function referencesIn(file: string): { ref: string; target: string; anchor?: string }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(REFERENCE)].map((m) => ({ ref: m[0], target: m[1]!, ...(m[2] && { anchor: m[2].slice(1) }) }));
}

describe('references from the code to the docs', () => {
  it('finds the sources it checks', () => {
    expect(SOURCES).toContain('functions/forwarder/handler.ts');
    expect(anchorsOf('# Prometheus\n## Types')).toContain('types');
  });

  it('every docs reference in a source file resolves to a file and heading', () => {
    const broken: string[] = [];
    for (const file of SOURCES) {
      for (const { ref, target, anchor } of referencesIn(file)) {
        const path = join(ROOT, target);
        if (!existsSync(path)) broken.push(`${file}: ${ref} (no such file)`);
        else if (anchor !== undefined && !anchorsOf(readFileSync(path, 'utf8')).has(anchor)) broken.push(`${file}: ${ref} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('no source names a docs section by its heading text', () => {
    const byHeading = SOURCES.flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.match(BY_HEADING) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(byHeading).toEqual([]);
  });
});

/**
 * Every relative link in README.md and docs/*.md resolves: the file exists, and a `#anchor` names a
 * heading of the target as GitHub makes its slugs. External links are not fetched (no network here).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorsOf, slug } from '../../helpers/markdown.ts';

const ROOT = join(import.meta.dirname, '../../..');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** `[text](target)` links outside code fences and inline code. */
function linksOf(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (fenced) continue;
    for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) out.push(m[1]!);
  }
  return out;
}

describe('documentation links', () => {
  it('slugs as GitHub makes them', () => {
    expect(slug('Consumers (`functions/consumers/*`, core in `shared/consumer/`)')).toBe('consumers-functionsconsumers-core-in-sharedconsumer');
    expect(slug('Samples mode (`PROM_RW_MODE=samples`)')).toBe('samples-mode-prom_rw_modesamples');
    expect(slug('Run it locally: `npm start`')).toBe('run-it-locally-npm-start');
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n## B')]).toEqual(['a', 'a-1', 'b']);
  });

  it.each(DOCS)('%s: every relative link and anchor resolves', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const broken: string[] = [];
    for (const link of linksOf(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path === '' ? join(ROOT, file) : join(dirname(join(ROOT, file)), decodeURIComponent(path));
      if (!existsSync(target)) {
        broken.push(`${link}: no file ${relative(ROOT, target)}`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(target).isDirectory() || !target.endsWith('.md')) {
        broken.push(`${link}: an anchor into a file that is not Markdown`);
        continue;
      }
      if (!anchorsOf(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link}: no heading #${anchor} in ${relative(ROOT, target)}`);
    }
    expect(broken).toEqual([]);
  });
});

/**
 * The provider guide's examples: README.md#adding-a-provider and docs/providers.md, as code blocks,
 * and a repository with the consumer they are about (`acme-metrics`) written by the generator.
 * Their rules: a `ts` block is what the generator writes (a verbatim excerpt of one of its files), a
 * `yaml` block is params that package, a `sh` block is commands (providerGuide.test.ts runs the
 * README's on a copy of the repository). No block of another kind.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNewProvider } from '../../../infra/new-provider/cli.ts';

const REPO = join(import.meta.dirname, '../../..');

/** The consumer the guide's examples are about. */
export const GUIDE_NAME = 'acme-metrics';

export interface CodeBlock {
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The fenced code blocks of a Markdown text, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let open: { lang: string; line: number; lines: string[] } | undefined;
  markdown.split('\n').forEach((l, i) => {
    const fence = /^```(\S*)\s*$/.exec(l);
    if (open === undefined) {
      if (fence) open = { lang: fence[1]!, line: i + 1, lines: [] };
    } else if (fence && fence[1] === '') {
      blocks.push({ lang: open.lang, line: open.line, text: open.lines.join('\n') + '\n' });
      open = undefined;
    } else {
      open.lines.push(l);
    }
  });
  if (open !== undefined) throw new Error(`code block at line ${open.line} is not closed`);
  return blocks;
}

/** The `## heading` section of a Markdown text, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start + 1, end < 0 ? undefined : end + 1);
}

/** The README's section and docs/providers.md, as `[file, text]`. */
export function guideDocs(root = REPO): [string, string][] {
  return [
    ['README.md#adding-a-provider', section(readFileSync(join(root, 'README.md'), 'utf8'), 'Adding a provider')],
    ['docs/providers.md', readFileSync(join(root, 'docs/providers.md'), 'utf8')],
  ];
}

/**
 * A repository holding only the generator's `acme-metrics` (and the real shared/, which its files
 * import): `generateFunctions(ctx, root)` deploys it.
 */
export function generatedRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'emf-guide-'));
  mkdirSync(join(root, 'functions/consumers'), { recursive: true });
  symlinkSync(join(REPO, 'shared'), join(root, 'shared'));
  const quiet = { write: () => true };
  if (runNewProvider([GUIDE_NAME], { root, stdout: quiet, stderr: quiet }) !== 0) throw new Error(`new-provider ${GUIDE_NAME} failed`);
  return root;
}

/**
 * The repository's files as they are on disk: tracked and new ones, not the ignored (node_modules,
 * builds, caches), not the deleted. What the infra tests copy (providerGuide.test.ts) and what a
 * packaging depends on (template.ts keeps packagings by their digest).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

function repoFiles(root: string): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return [...new Set(out.split('\0').filter((f) => f !== '' && existsSync(join(root, f))))].sort();
}

/**
 * A digest of the path and content of every file a packaging can depend on: all of them but the
 * tests, the local pipeline and the documentation.
 */
export function packagingDigest(root: string): string {
  const hash = createHash('sha256');
  for (const f of repoFiles(root).filter((f) => !/^(test|local|docs)\//.test(f) && !f.endsWith('.md'))) hash.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
  return hash.digest('hex');
}

/** Copies the repository's files to `to`, with its node_modules linked (not copied). */
export function copyRepo(root: string, to: string): void {
  for (const f of repoFiles(root)) {
    mkdirSync(dirname(join(to, f)), { recursive: true });
    copyFileSync(join(root, f), join(to, f));
  }
  symlinkSync(join(root, 'node_modules'), join(to, 'node_modules'), 'dir');
}

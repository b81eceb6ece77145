/**
 * The Node.js 22 binary that `.ci/install-node22.sh` puts beside the machine's Node (Lambda's nodejs22.x runs
 * Node 22): tests run the deployed bundles on it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function node22(): string {
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const bin = join(ROOT, '.cache/node22/node_modules', `node-linux-${arch}`, 'bin/node');
  if (!existsSync(bin)) throw new Error(`Node 22 is not installed at ${bin}: run bash .ci/install-node22.sh (bash .ci/run does)`);
  return bin;
}

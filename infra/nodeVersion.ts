/**
 * The Node.js versions emf-fanout supports, and the check every command runs first.
 *
 * The one source of truth is `engines.node` in package.json (`npm ci` enforces it too, through
 * `.npmrc`'s `engine-strict`). Importing this module first — `npm start` (local/main.ts),
 * `npm run subscribe` (infra/subscribe/cli.ts), `npm run replay` (infra/replay/cli.ts), `npm run package` (infra/serverless/generate.ts),
 * `npm run new-provider`, `npm run bench` (test/bench/run.ts) — stops an unsupported Node with one
 * line on stderr and exit code 2 before any other module of the command is evaluated:
 *
 *   emf-fanout needs Node.js ^20.19.0 || ^22.13.0 || >=24 (package.json "engines"), this is Node.js 18.20.4: install a supported Node.js (Lambda runs 22) and run the command again
 *
 * The Lambda functions do not import it: their runtime is fixed by the deployment (`nodejs22.x`).
 * Ranges are read by `semver`, npm's own reader; a range it cannot read does not stop the command
 * (a unit test reads the real one).
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';

/** package.json's `engines.node`, or undefined when it cannot be read. */
export function enginesRange(packageJson: URL = new URL('../package.json', import.meta.url)): string | undefined {
  try {
    const range = (JSON.parse(readFileSync(packageJson, 'utf8')) as { engines?: { node?: unknown } }).engines?.node;
    return typeof range === 'string' && semver.validRange(range) !== null ? range : undefined;
  } catch {
    return undefined;
  }
}

/** The one-line message for a Node.js outside `range`, or undefined when it is inside (or the range is unknown). */
export function nodeVersionProblem(version: string, range: string | undefined): string | undefined {
  if (range === undefined || semver.validRange(range) === null) return undefined;
  // A prerelease of a supported line (`24.0.0-pre`) counts as its release.
  if (semver.satisfies(version, range, { includePrerelease: true })) return undefined;
  return `emf-fanout needs Node.js ${range} (package.json "engines"), this is Node.js ${version.replace(/^v/, '')}: install a supported Node.js (Lambda runs 22) and run the command again`;
}

const problem = nodeVersionProblem(process.versions.node, enginesRange());
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(2);
}

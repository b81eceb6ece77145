/**
 * `npm run new-provider <name>`: writes a working consumer, functions/consumers/<name>/ (its
 * settings, its Provider class, its Lambda handler and its registration, consumer.ts), and its
 * contract test, then prints the next steps (README.md#adding-a-provider, docs/providers.md).
 * Exit codes: 0 written, 2 bad usage or a name it refuses (nothing is written then).
 */
import '../nodeVersion.ts'; // first: an unsupported Node.js stops here, with one line
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { consumerNameProblem, consumerParamsKey, envPrefixOf } from '../serverless/consumerNames.ts';
import { GLOBAL_PARAM_KEYS } from '../serverless/paramKeys.ts';
import { CONSUMERS_DIR } from '../serverless/registry.ts';
import { contractTestPath, providerFiles, providerPath } from './templates.ts';

const USAGE = `usage: npm run new-provider <name>

Writes the consumer <name> (lower-case words joined by "-", e.g. acme-metrics):
  ${CONSUMERS_DIR}/<name>/  config.ts, <Name>Provider.ts, handler.ts, consumer.ts
  ${contractTestPath('<name>')}
A working consumer that POSTs one JSON line per datum; make its send speak your backend's protocol.
The guide: docs/providers.md`;

export interface NewProviderIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** The repository to write into. */
  root: string;
}

/** What to do after the files are written; the README's steps, for this name. */
export function nextSteps(name: string): string {
  const key = consumerParamsKey(name);
  return `Next:
  1. Make send speak your backend's protocol: ${providerPath(name)}
  2. Run its contract test:
       npx vitest run ${contractTestPath(name)}
  3. Enable it in config/params.yml, in default: or a stage's section:
       ${key}Enabled: true
       ${key}Environment:
         ${envPrefixOf(name)}URL: https://metrics.example.com/ingest
  4. Package it, then deploy:
       npm run package
       npx sls deploy --stage dev
The guide: docs/providers.md
`;
}

export function runNewProvider(argv: readonly string[], io: NewProviderIo): number {
  const refuse = (message: string, usage = false) => {
    io.stderr.write(`${message}\n${usage ? `\n${USAGE}\n` : ''}`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return refuse((e as Error).message, true);
  }
  if (parsed.values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [name, ...extra] = parsed.positionals;
  if (name === undefined) return refuse('new-provider needs the name of the consumer to write', true);
  if (extra.length > 0) return refuse(`new-provider takes one name, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`, true);
  const problem = consumerNameProblem(name, GLOBAL_PARAM_KEYS);
  if (problem !== undefined) return refuse(`new-provider: ${problem}; nothing written`);
  const files = providerFiles(name);
  const dir = `${CONSUMERS_DIR}/${name}`;
  if (existsSync(join(io.root, dir))) return refuse(`new-provider: ${dir} exists already: choose another name, or edit that consumer; nothing written`);
  const taken = files.find((f) => existsSync(join(io.root, f.path)));
  if (taken !== undefined) return refuse(`new-provider: ${taken.path} exists already: choose another name, or move that file; nothing written`);

  for (const f of files) {
    mkdirSync(dirname(join(io.root, f.path)), { recursive: true });
    writeFileSync(join(io.root, f.path), f.text, { flag: 'wx' });
  }
  const width = Math.max(...files.map((f) => f.path.length));
  io.stdout.write(`Wrote the ${name} consumer:\n${files.map((f) => `  ${f.path.padEnd(width)}  ${f.role}\n`).join('')}\n${nextSteps(name)}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = runNewProvider(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, root: join(import.meta.dirname, '../..') });
}

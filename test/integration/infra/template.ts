/**
 * Runs `sls package` (osls, offline, no credentials) and reads what it produced: the
 * CloudFormation template and the deployment zips. Condition-dependent values (`Fn::If`) are
 * evaluated the way CloudFormation would, for the literal `Fn::Equals`/`Fn::Not` conditions
 * the template uses, so assertions are about what would actually be deployed.
 *
 * A packaging is kept (in the system's temporary directory) under the digest of its stage, its
 * params and every file of the repository it can depend on (repoFiles.ts), so the test files that
 * read the same deployment package it once between them, and again whenever any of that changes.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { FIXTURE_PARAMS } from '../../unit/infra/paramsFixture.ts';
import { packagingDigest } from './repoFiles.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TEMPLATE = 'cloudformation-template-update-stack.json';

export interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string | string[];
  Condition?: string;
}
export interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

export interface Packaged {
  dir: string;
  template: Template;
  zips: string[];
}

/**
 * The tests' params (test/unit/infra/params.fixture.yml: the defaults, no consumer; never the user's
 * config/params.yml) with `overrides` in the default section, written to a temporary file.
 */
export function paramsWith(overrides: Record<string, unknown>): string {
  const doc = parse(readFileSync(FIXTURE_PARAMS, 'utf8')) as { default: Record<string, unknown> };
  doc.default = { ...doc.default, ...overrides };
  const file = join(mkdtempSync(join(tmpdir(), 'emf-params-')), 'params.yml');
  writeFileSync(file, stringify(doc));
  return file;
}

/**
 * serverless-esbuild builds in `<repo>/.esbuild` and deletes it afterwards, so two packagings
 * at once (test files in parallel workers) would clobber each other's bundles: one at a time,
 * across processes, with a lock directory (mkdir is atomic).
 */
async function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(tmpdir(), `emf-fanout-sls-package-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const giveUp = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Left by a killed run: older than any packaging takes.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 600_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > giveUp) throw new Error(`waited 5 minutes for another sls package (${lock})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The environment of an offline `sls package` (no AWS profile) with this params file. */
export function offlineEnv(paramsFile?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'offline', AWS_SECRET_ACCESS_KEY: 'offline', AWS_SESSION_TOKEN: '' };
  delete env.AWS_PROFILE;
  if (paramsFile) env.EMF_FANOUT_PARAMS = paramsFile;
  else delete env.EMF_FANOUT_PARAMS;
  return env;
}

/** `sls package --stage <stage>` with the params file given (else the tests' own, params.fixture.yml); kept while nothing changes. */
export async function slsPackage(stage: string, paramsFile: string = FIXTURE_PARAMS): Promise<Packaged> {
  return oneAtATime(async () => {
    const key = createHash('sha256').update(`${stage}\0`).update(readFileSync(paramsFile)).update(`\0${packagingDigest(ROOT)}`).digest('hex').slice(0, 24);
    const kept = join(tmpdir(), 'emf-fanout-packages', key);
    return existsSync(join(kept, TEMPLATE)) ? read(kept) : packageNow(stage, paramsFile, kept);
  });
}

async function packageNow(stage: string, paramsFile: string, keepAs: string): Promise<Packaged> {
  const dir = mkdtempSync(join(tmpdir(), `emf-package-${stage}-`));
  try {
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', stage, '--package', dir], {
      cwd: ROOT,
      env: offlineEnv(paramsFile),
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`sls package failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
  mkdirSync(join(keepAs, '..'), { recursive: true });
  rmSync(keepAs, { recursive: true, force: true });
  renameSync(dir, keepAs);
  forgetOldPackagings(join(keepAs, '..'));
  return read(keepAs);
}

/** Keeps the 10 newest packagings (a few runs' worth; each changed file makes new ones). */
function forgetOldPackagings(dir: string): void {
  const kept = readdirSync(dir).map((name) => ({ name, at: statSync(join(dir, name)).mtimeMs }));
  for (const { name } of kept.sort((a, b) => b.at - a.at).slice(10)) rmSync(join(dir, name), { recursive: true, force: true });
}

/** What `sls package --package <dir>` wrote. */
export function read(dir: string): Packaged {
  const template = JSON.parse(readFileSync(join(dir, TEMPLATE), 'utf8')) as Template;
  return { dir, template, zips: readdirSync(dir).filter((f) => f.endsWith('.zip')).sort() };
}

function condition(t: Template, name: string): boolean {
  const c = t.Conditions?.[name];
  if (c === undefined) throw new Error(`condition ${name} is not defined`);
  return evalCondition(t, c);
}

function evalCondition(t: Template, c: unknown): boolean {
  const o = c as Record<string, unknown[]>;
  if (o['Fn::Equals']) {
    const [a, b] = o['Fn::Equals'].map((x) => resolve(t, x));
    if (typeof a !== 'string' || typeof b !== 'string') throw new Error(`cannot evaluate ${JSON.stringify(c)}`);
    return a === b;
  }
  if (o['Fn::Not']) return !evalCondition(t, o['Fn::Not'][0]);
  if (typeof (c as { Condition?: string }).Condition === 'string') return condition(t, (c as { Condition: string }).Condition);
  throw new Error(`cannot evaluate condition ${JSON.stringify(c)}`);
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Evaluates `Fn::If` (and drops `AWS::NoValue`) throughout a value; other intrinsics are kept as they are. */
export function resolve(t: Template, v: unknown): unknown {
  const r = resolveInner(t, v);
  return r === NO_VALUE ? undefined : r;
}

function resolveInner(t: Template, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => resolveInner(t, x)).filter((x) => x !== NO_VALUE);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if (Object.keys(o).length === 1 && o.Ref === 'AWS::NoValue') return NO_VALUE;
  if (Object.keys(o).length === 1 && Array.isArray(o['Fn::If'])) {
    const [name, a, b] = o['Fn::If'] as [string, unknown, unknown];
    return resolveInner(t, condition(t, name) ? a : b);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    const r = resolveInner(t, x);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

export interface Stmt {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
}

export const actionsOf = (s: Stmt): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resourcesOf = (s: Stmt): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** Effective statements of a role's inline policies. */
export function roleStatements(t: Template, roleId: string): Stmt[] {
  const role = t.Resources[roleId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const policies = resolve(t, role.Properties.Policies) as { PolicyDocument: { Statement: Stmt[] } }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

/** Effective statements of a standalone `AWS::IAM::Policy`. */
export function policyStatements(t: Template, policyId: string): Stmt[] {
  const policy = t.Resources[policyId];
  if (!policy || policy.Type !== 'AWS::IAM::Policy') throw new Error(`${policyId} is not a policy`);
  return (resolve(t, policy.Properties.PolicyDocument) as { Statement: Stmt[] }).Statement;
}

export function ofType(t: Template, type: string): [string, Resource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

export const getAtt = (id: string, attr: string) => ({ 'Fn::GetAtt': [id, attr] });

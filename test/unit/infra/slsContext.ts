/**
 * What Serverless (osls) passes to a `${file(x.cjs):prop}` function, for calling the generator
 * without running `sls package`: `param:` resolves like osls' param source (`--param` options,
 * then the stage's section, then `default:`; null values skipped), `self:params.<section>`,
 * `self:provider.environment` (serverless.yml's, with its `${param:…}` resolved) and
 * `self:custom.esbuild.exclude` (infra/esbuild.yml) read the repository's files. The params are
 * the tests' own (paramsFixture.ts), never config/params.yml.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ResolverContext } from '../../../infra/serverless/params.ts';
import type { ParamsDoc } from './paramsFixture.ts';

const ROOT = new URL('../../../', import.meta.url);
const serverlessYml = parse(readFileSync(new URL('serverless.yml', ROOT), 'utf8')) as { provider: { environment: Record<string, string> } };
const esbuildYml = parse(readFileSync(new URL('infra/esbuild.yml', ROOT), 'utf8')) as { exclude: string[] };

export function slsContext(doc: ParamsDoc, stage = 'dev', cliParams: string[] = []): ResolverContext {
  const cli = Object.fromEntries(cliParams.map((item) => [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]));
  const param = (name: string): unknown => {
    if (cli[name] !== undefined) return cli[name];
    const own = doc[stage]?.[name];
    return own !== null && own !== undefined ? own : (doc.default?.[name] ?? undefined);
  };
  return {
    options: { param: cliParams },
    resolveVariable: async (address: string) => {
      const [source, fallback] = address.split(/, ?/) as [string, string | undefined];
      const orElse = (v: unknown) => {
        if (v !== undefined) return v;
        if (fallback === 'null') return null;
        throw new Error(`Value not found at "${source}"`);
      };
      if (source === 'self:service') return 'emf-fanout';
      if (source === 'sls:stage') return stage;
      if (source.startsWith('param:')) return orElse(param(source.slice('param:'.length)));
      if (source.startsWith('self:params.')) return orElse(doc[source.slice('self:params.'.length)] ?? undefined);
      if (source === 'self:provider.environment') {
        return Object.fromEntries(
          Object.entries(serverlessYml.provider.environment).map(([k, v]) => [k, String(v).replace(/\$\{param:([^}]+)\}/g, (_, n: string) => String(param(n)))]),
        );
      }
      if (source === 'self:custom.esbuild.exclude') return esbuildYml.exclude;
      throw new Error(`unexpected address ${address}`);
    },
  };
}

/** A context for flat params (as the `default:` section). */
export function ctx(params: Record<string, unknown>, stage = 'dev'): ResolverContext {
  return slsContext({ default: params }, stage);
}

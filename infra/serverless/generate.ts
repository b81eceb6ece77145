/**
 * The parts of the template that depend on params in ways YAML cannot express: which
 * consumers exist, one subscription filter per listed log group, IAM statements for the
 * secrets a consumer's environment references. Called by Serverless through generate.cjs
 * (`${file(./infra/serverless/generate.cjs):functions}` etc.).
 */
import { CONSUMERS, generateConsumer, readEsmSettings } from './consumers.ts';
import { type Cfn } from './iam.ts';
import { Params, type ResolverContext } from './params.ts';
import { forwarderExcludes, generateNewLogGroup, readLogGroupSettings, subscriptionFilterResources } from './subscriptions.ts';

interface Generated {
  functions: Record<string, Cfn>;
  resources: Record<string, Cfn>;
}

async function generate(ctx: ResolverContext): Promise<Generated> {
  const p = new Params(ctx);
  const esm = await readEsmSettings(p);
  const logGroups = await readLogGroupSettings(p);
  const parts = [...(await Promise.all(CONSUMERS.map((c) => generateConsumer(c, p, esm)))), await generateNewLogGroup(p, logGroups)];
  const out: Generated = { functions: {}, resources: subscriptionFilterResources(logGroups) };
  for (const part of parts) {
    Object.assign(out.functions, part.functions);
    Object.assign(out.resources, part.resources);
  }
  return out;
}

/** Functions of the enabled consumers (and the new-log-group function), for `functions:`. */
export async function generateFunctions(ctx: ResolverContext): Promise<Record<string, Cfn>> {
  return (await generate(ctx)).functions;
}

/** Their resources plus the deploy-time subscription filters, for `resources:`. */
export async function generateResources(ctx: ResolverContext): Promise<{ Resources: Record<string, Cfn> }> {
  return { Resources: (await generate(ctx)).resources };
}

/** The forwarder's `EXCLUDE_LOG_GROUPS`. */
export async function forwarderExcludeLogGroups(ctx: ResolverContext): Promise<string> {
  const p = new Params(ctx);
  return forwarderExcludes({ service: await p.service(), stage: await p.stage(), exclude: await p.list('excludeLogGroups') });
}

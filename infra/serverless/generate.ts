/**
 * The parts of the template that depend on params in ways YAML cannot express: the forwarder
 * and the consumers that exist (each checked against its own cold-start validation first), one
 * subscription filter per listed log group, IAM statements for the secrets a consumer's
 * environment references. Called by Serverless through generate.cjs
 * (`${file(./infra/serverless/generate.cjs):functions}` etc.).
 *
 * The metrics scraper (metricsScraper.ts) when `metricsScraperEnabled` is true.
 *
 * Besides: the forwarder's on-failure configuration and alarms, the dashboard (dashboard.ts) and the
 * replay operator's policy (operatorPolicy.ts), which name the enabled consumers.
 *
 * The consumers are the registered ones (registry.ts: every functions/consumers/<name>/consumer.ts).
 * Before anything is generated, the params are checked: no unknown key (paramKeys.ts), and the
 * params only the static templates read have allowed values (templateParams.ts).
 */
import '../nodeVersion.ts'; // first: an unsupported Node.js stops here, with one line
import { type DeployContext } from './coldStart.ts';
import { generateConsumer, readEsmSettings } from './consumers.ts';
import { DASHBOARD_ID, dashboardResource } from './dashboard.ts';
import { FORWARDER_IDS, generateForwarder } from './forwarder.ts';
import { type Cfn } from './iam.ts';
import { generateMetricsScraper } from './metricsScraper.ts';
import { checkParamKeys, knownParamKeys } from './paramKeys.ts';
import { OPERATOR_POLICY_ID, operatorPolicyResource } from './operatorPolicy.ts';
import { Params, type ResolverContext } from './params.ts';
import { discoverConsumers } from './registry.ts';
import { checkTemplateParams } from './templateParams.ts';
import { generateNewLogGroup, readLogGroupSettings, subscriptionFilterResources } from './subscriptions.ts';

interface Generated {
  functions: Record<string, Cfn>;
  resources: Record<string, Cfn>;
  /** Lines `npm run package` prints (the metrics scraper's cost estimate). */
  notes: string[];
}

async function deployContext(ctx: ResolverContext, p: Params): Promise<DeployContext> {
  const providerEnvironment = await ctx.resolveVariable('self:provider.environment, null');
  const excludes = await ctx.resolveVariable('self:custom.esbuild.exclude, null');
  return {
    service: await p.service(),
    stage: await p.stage(),
    region: await p.string('region'),
    providerEnvironment: typeof providerEnvironment === 'object' && providerEnvironment !== null ? (providerEnvironment as Record<string, unknown>) : {},
    bundleExcludes: Array.isArray(excludes) ? excludes.filter((x): x is string => typeof x === 'string') : [],
    // A consumer's own, from its `<key>Layers` (consumers.ts); the other functions have none.
    layers: [],
  };
}

/** @param root the repository whose functions/consumers/ are deployed (tests give another) */
async function generate(ctx: ResolverContext, root?: string): Promise<Generated> {
  const consumers = await discoverConsumers(root);
  const known = knownParamKeys(consumers.map((c) => c.key));
  const p = new Params(ctx, new Set(known));
  await checkParamKeys(ctx, await p.stage(), known);
  await checkTemplateParams(p);
  const d = await deployContext(ctx, p);
  const esm = await readEsmSettings(p);
  const logGroups = await readLogGroupSettings(p);
  const consumerParts = await Promise.all(consumers.map((c) => generateConsumer(c, p, esm, d)));
  const enabled = consumerParts.flatMap((c) => (c.ids ? [c.ids] : []));
  const scraper = await generateMetricsScraper(p, logGroups, d);
  const parts = [await generateForwarder(p, d, logGroups.exclude), ...consumerParts, await generateNewLogGroup(p, logGroups, d), scraper];
  const out: Generated = { functions: {}, resources: subscriptionFilterResources(logGroups), notes: scraper.notes };
  for (const part of parts) {
    Object.assign(out.functions, part.functions);
    Object.assign(out.resources, part.resources);
  }
  out.resources[DASHBOARD_ID] = dashboardResource({
    name: `${d.service}-${d.stage}`,
    forwarder: { fn: FORWARDER_IDS.fn, bucket: FORWARDER_IDS.bucket },
    stream: 'EmfStream',
    consumers: enabled,
    ...(scraper.ids && { scraper: scraper.ids }),
  });
  out.resources[OPERATOR_POLICY_ID] = operatorPolicyResource({
    service: d.service,
    stage: d.stage,
    consumers: enabled,
    streamKmsKeyArn: await p.string('streamKmsKeyArn', { allowEmpty: true }),
  });
  return out;
}

/**
 * The forwarder, the enabled consumers (and the new-log-group function, the metrics scraper), for
 * `functions:`. Prints the notes: Serverless calls this once per packaging (and generateResources once).
 */
export async function generateFunctions(ctx: ResolverContext, root?: string): Promise<Record<string, Cfn>> {
  const { functions, notes } = await generate(ctx, root);
  for (const line of notes) console.log(line);
  return functions;
}

/** Their resources plus the deploy-time subscription filters, for `resources:`. */
export async function generateResources(ctx: ResolverContext, root?: string): Promise<{ Resources: Record<string, Cfn> }> {
  return { Resources: (await generate(ctx, root)).resources };
}

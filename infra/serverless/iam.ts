/**
 * CloudFormation building blocks for the generated, least-privilege roles. Every statement
 * names its resources but one: the metrics scraper's `CloudWatchMetricsRead` (GetMetricData and
 * ListMetrics support no resource-level permissions; metricsScraper.ts). `log-group:*` appears only
 * for the new-log-group function: when its selection (patterns, tags) cannot be expressed as ARNs,
 * and for the deploy-time resource's listing and removal of its own filter (reasons in
 * subscriptionResource.ts).
 */
import { parseSecretRef, type SecretRef } from '../../shared/secrets/secretRef.ts';
import { ParamError } from './params.ts';

export type Cfn = unknown;
export interface Statement {
  Sid?: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: Cfn;
  Condition?: Record<string, unknown>;
}

export const ref = (id: string) => ({ Ref: id });
export const getAtt = (id: string, attr: string) => ({ 'Fn::GetAtt': [id, attr] });
export const sub = (s: string) => ({ 'Fn::Sub': s });

/** An execution role for one function, with one inline policy. */
export function lambdaRole(policyName: string, statements: readonly Cfn[]): Cfn {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      Policies: [{ PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  };
}

/** Writing to its own log group (created by Serverless as `<Function>LogGroup`). */
export function ownLogsStatement(logGroupLogicalId: string): Statement {
  return { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: getAtt(logGroupLogicalId, 'Arn') };
}

const SECRET_SCHEMES = ['ssm:', 'secretsmanager:'];

/** Environment values that are secret references (`ssm:…`, `secretsmanager:…`), parsed. */
export function secretRefs(param: string, env: Readonly<Record<string, string>>): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const [variable, value] of Object.entries(env)) {
    const looksLikeRef = SECRET_SCHEMES.some((s) => value.trim().startsWith(s));
    if (!looksLikeRef && !variable.endsWith('_REF')) continue;
    try {
      refs.push(parseSecretRef(value, variable));
    } catch (e) {
      throw new ParamError(`${param}.${variable}`, (e as Error).message.replace(/^Environment variable \S+ /, ''));
    }
  }
  return refs;
}

/** A Secrets Manager secret by name or ARN, an SSM parameter by name or ARN: no wildcard, no space. */
const PLAIN_REF: Record<'ssm' | 'secretsmanager', RegExp> = {
  secretsmanager: /^(?:arn:aws(?:-[a-z]+)*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$/,
  ssm: /^(?:arn:aws(?:-[a-z]+)*:ssm:[a-z0-9-]+:\d{12}:parameter)?[A-Za-z0-9_./-]{1,2048}$/,
};

/**
 * The secrets named in plain form (a name or an ARN, not `ssm:…`) by the variables of `sources`
 * that `env` sets: what a Lambda extension beside the function reads (`DD_API_KEY_SECRET_ARN`).
 */
export function extensionSecretRefs(param: string, env: Readonly<Record<string, string>>, sources: Readonly<Record<string, 'ssm' | 'secretsmanager'>>): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const [variable, source] of Object.entries(sources)) {
    if (!Object.hasOwn(env, variable)) continue;
    const value = env[variable]!.trim();
    if (value === '') continue;
    if (!PLAIN_REF[source].test(value)) {
      const what = source === 'ssm' ? "an SSM parameter's name or ARN" : "a Secrets Manager secret's name or ARN";
      throw new ParamError(`${param}.${variable}`, `must be ${what}, without a scheme, wildcard or space (the value is not shown)`);
    }
    refs.push(source === 'ssm' ? { source, name: value, text: value } : { source, id: value, text: value });
  }
  return refs;
}

/** The IAM resource of a secret reference, in this stack's partition, Region and account unless given as an ARN. */
export function secretResource(ref: SecretRef): Cfn {
  if (ref.source === 'ssm') {
    if (ref.name.startsWith('arn:')) return ref.name;
    const path = ref.name.startsWith('/') ? ref.name : `/${ref.name}`;
    return sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${path}`);
  }
  if (ref.id.startsWith('arn:')) return ref.id;
  // Secrets Manager appends "-" and 6 random characters to a secret's name in its ARN.
  return sub(`arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${ref.id}-??????`);
}

/** Read access to exactly the referenced parameters and secrets, plus kms:Decrypt on one named key. */
export function secretStatements(refs: readonly SecretRef[], kmsKeyArn: string): Statement[] {
  const ssm = refs.filter((r) => r.source === 'ssm');
  const sm = refs.filter((r) => r.source === 'secretsmanager');
  const out: Statement[] = [];
  if (ssm.length) out.push({ Sid: 'ReadParameters', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: dedupe(ssm.map(secretResource)) });
  if (sm.length) out.push({ Sid: 'ReadSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: dedupe(sm.map(secretResource)) });
  if (refs.length && kmsKeyArn !== '') out.push({ Sid: 'DecryptSecrets', Effect: 'Allow', Action: 'kms:Decrypt', Resource: kmsKeyArn });
  return out;
}

function dedupe(xs: Cfn[]): Cfn[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A standard-queue SQS failure destination, encrypted, kept 14 days. */
export function failureQueue(queueName: string): Cfn {
  return { Type: 'AWS::SQS::Queue', Properties: { QueueName: queueName, MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true } };
}

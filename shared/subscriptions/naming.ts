/**
 * Names shared by the deployment (`serverless.yml`), the subscription tool and the
 * new-log-group function. They must agree: the filter name is how every part recognises
 * emf-fanout's own subscription filters, and the pipeline prefix is what keeps the pipeline
 * from subscribing to its own logs (a REPORT line of the forwarder passes the default filter
 * pattern, so subscribing the forwarder's log group would make it invoke itself forever).
 */

/**
 * Every function the deployment can create, enabled or not. The account-level policy excludes
 * all of their log groups by exact name, because its selection criteria take no prefixes.
 */
const PIPELINE_FUNCTIONS = ['forwarder', 'prometheus', 'statsd', 'example-http', 'new-log-group'] as const;

/** Serverless Framework's default function name `<service>-<stage>-<function>`. */
function functionName(service: string, stage: string, fn: string): string {
  return `${service}-${stage}-${fn}`;
}

/** Names derived from the Serverless service and stage. */
export interface PipelineNames {
  /** Our subscription filter's name on every log group (`<service>-<stage>`; `emf-fanout-dev` by default). */
  filterName: string;
  /** Any filter whose name starts with this belongs to some stage of this service. */
  ownFilterPrefix: string;
  /** Log groups of every stage's functions: `/aws/lambda/<service>-`. Never subscribed. */
  pipelineLogGroupPrefix: string;
  /** The forwarder's function name (the subscription destination). */
  forwarderFunctionName: string;
  /** Exact log group names of this stage's functions (enabled or not). */
  pipelineLogGroups: string[];
  /** Name of the account-level subscription filter policy. */
  accountPolicyName: string;
}

export function pipelineNames(service: string, stage: string): PipelineNames {
  return {
    filterName: `${service}-${stage}`,
    ownFilterPrefix: `${service}-`,
    pipelineLogGroupPrefix: `/aws/lambda/${service}-`,
    forwarderFunctionName: functionName(service, stage, 'forwarder'),
    pipelineLogGroups: PIPELINE_FUNCTIONS.map((fn) => `/aws/lambda/${functionName(service, stage, fn)}`),
    accountPolicyName: `${service}-${stage}`,
  };
}

/**
 * The forwarder's ARN in the account and Region of a log group ARN
 * (`arn:<partition>:logs:<region>:<account>:log-group:<name>[:*]`), so the tool needs no
 * STS call to learn the account.
 */
export function forwarderArnFromLogGroupArn(logGroupArn: string, forwarderFunctionName: string): string {
  const parts = logGroupArn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'logs') {
    throw new Error(`not a log group ARN: ${logGroupArn}`);
  }
  const [, partition, , region, account] = parts;
  return `arn:${partition}:lambda:${region}:${account}:function:${forwarderFunctionName}`;
}

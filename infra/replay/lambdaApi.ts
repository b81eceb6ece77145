/**
 * What `npm run replay` asks Lambda: where each function parks its failures (read from the deployed
 * configuration, never guessed from names), and synchronous invocations of the deployed functions.
 */
import {
  GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, InvokeCommand, type LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { describeValue } from '../../shared/describe.ts';

/** The forwarder's asynchronous on-failure destination, an S3 bucket (`arn:aws:s3:::<bucket>`). */
export async function forwarderBucket(lambda: LambdaClient, functionName: string): Promise<{ bucket?: string; problem?: string }> {
  let destination: string | undefined;
  try {
    const c = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: functionName }));
    destination = c.DestinationConfig?.OnFailure?.Destination;
  } catch (e) {
    if ((e as Error).name !== 'ResourceNotFoundException') throw e;
    return { problem: `${functionName} has no asynchronous invocation configuration (${(e as Error).message}): is emf-fanout deployed for this stage and Region?` };
  }
  const m = destination === undefined ? null : /^arn:[^:]+:s3:::([^/]+)$/.exec(destination);
  if (!m) return { problem: `${functionName}'s on-failure destination is ${destination ?? 'not set'}, not an S3 bucket: deploy the current emf-fanout first` };
  return { bucket: m[1]! };
}

export interface ConsumerMapping {
  /** The stream (or its enhanced fan-out consumer) the mapping reads. */
  eventSourceArn: string;
  /** The SQS queue of the on-failure destination. */
  queueArn: string;
}

/** The consumer's Kinesis event source mappings with an SQS on-failure destination. */
export async function consumerMappings(lambda: LambdaClient, functionName: string): Promise<ConsumerMapping[]> {
  const out: ConsumerMapping[] = [];
  let marker: string | undefined;
  do {
    const page = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: functionName, ...(marker ? { Marker: marker } : {}) }));
    for (const m of page.EventSourceMappings ?? []) {
      const queueArn = m.DestinationConfig?.OnFailure?.Destination;
      if (m.EventSourceArn && queueArn && /^arn:[^:]+:sqs:/.test(queueArn)) out.push({ eventSourceArn: m.EventSourceArn, queueArn });
    }
    marker = page.NextMarker;
  } while (marker);
  return out;
}

/** The function's execution role (the ESM's `invokeIdentityArn`), or undefined when the function does not exist. */
export async function roleOf(lambda: LambdaClient, functionName: string): Promise<string | undefined> {
  try {
    return (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))).Role ?? '';
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

export interface InvokeResult {
  /** Set when the function failed: `<errorType>: <errorMessage>`, bounded. */
  functionError?: string;
  /** The function's JSON answer (undefined when it is not JSON). */
  answer?: unknown;
}

const MAX_ANSWER_BYTES = 6 * 1024 * 1024;

/** Invokes synchronously (RequestResponse), as the ESM does and as a replay of an asynchronous event must, to see the outcome. */
export async function invokeSync(lambda: LambdaClient, functionName: string, payload: string): Promise<InvokeResult> {
  const r = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(payload) }));
  let answer: unknown;
  const bytes = r.Payload ?? new Uint8Array();
  if (bytes.length > 0 && bytes.length <= MAX_ANSWER_BYTES) {
    try {
      answer = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      answer = undefined;
    }
  }
  if (r.FunctionError !== undefined) {
    const a = (typeof answer === 'object' && answer !== null ? answer : {}) as { errorType?: unknown; errorMessage?: unknown };
    const type = typeof a.errorType === 'string' ? a.errorType : r.FunctionError;
    return { functionError: `${type.slice(0, 80)}: ${typeof a.errorMessage === 'string' ? describeValue(a.errorMessage) : 'no message'}`, answer };
  }
  return { answer };
}

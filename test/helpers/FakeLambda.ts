/**
 * Lambda's control plane in memory behind the real `LambdaClient` (aws-sdk-client-mock), with Invoke routed to
 * REAL in-process handlers (the forwarder, a consumer): GetFunctionConfiguration, GetFunctionEventInvokeConfig,
 * ListEventSourceMappings and synchronous Invoke with Lambda's 6 MB request limit and its error shape
 * (`FunctionError: 'Unhandled'`, payload `{errorType, errorMessage}`).
 */
import { randomUUID } from 'node:crypto';
import {
  GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, InvokeCommand, LambdaClient, ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { fakeLambdaContext } from '../../shared/consumer/testing/kinesisEvent.ts';

/** Lambda's synchronous invocation request limit (API_Invoke: 6 MB). */
export const SYNC_REQUEST_LIMIT_BYTES = 6 * 1024 * 1024;

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

type Handler = (event: never, context: ReturnType<typeof fakeLambdaContext>) => Promise<unknown>;

export interface FakeFunction {
  handler: Handler;
  /** The asynchronous invocation config's on-failure destination ARN. */
  onFailure?: string;
  /** Event source mappings: the stream and the on-failure queue ARN. */
  mappings?: { eventSourceArn: string; queueArn: string }[];
}

export class FakeLambda {
  readonly client = new LambdaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  readonly functions = new Map<string, FakeFunction>();
  /** Every Invoke: function name and request size. */
  readonly invocations: { functionName: string; bytes: number }[] = [];
  /** Functions the caller may not invoke (Invoke answers AccessDeniedException, as IAM does). */
  readonly denyInvoke = new Set<string>();
  private readonly mock = mockClient(this.client);

  constructor(readonly account = '123456789012') {
    const fn = (name: string) => {
      const f = this.functions.get(name);
      if (!f) throw awsError('ResourceNotFoundException', `Function not found: arn:aws:lambda:eu-west-1:${this.account}:function:${name}`);
      return f;
    };
    this.mock.on(GetFunctionConfigurationCommand).callsFake((input: { FunctionName: string }) => {
      fn(input.FunctionName);
      return { FunctionName: input.FunctionName, Role: `arn:aws:iam::${this.account}:role/${input.FunctionName}-role` };
    });
    this.mock.on(GetFunctionEventInvokeConfigCommand).callsFake((input: { FunctionName: string }) => {
      const f = fn(input.FunctionName);
      if (f.onFailure === undefined) throw awsError('ResourceNotFoundException', `The function ${input.FunctionName} doesn't have an EventInvokeConfig`);
      return { DestinationConfig: { OnFailure: { Destination: f.onFailure } } };
    });
    this.mock.on(ListEventSourceMappingsCommand).callsFake((input: { FunctionName: string }) => {
      const f = this.functions.get(input.FunctionName);
      return {
        EventSourceMappings: (f?.mappings ?? []).map((m) => ({
          UUID: randomUUID(), EventSourceArn: m.eventSourceArn, FunctionArn: `arn:aws:lambda:eu-west-1:${this.account}:function:${input.FunctionName}`,
          DestinationConfig: { OnFailure: { Destination: m.queueArn } }, FunctionResponseTypes: ['ReportBatchItemFailures'],
        })),
      };
    });
    this.mock.on(InvokeCommand).callsFake(async (input: { FunctionName: string; InvocationType?: string; Payload?: Uint8Array }) => {
      const f = fn(input.FunctionName);
      if (this.denyInvoke.has(input.FunctionName)) throw awsError('AccessDeniedException', `User is not authorized to perform: lambda:InvokeFunction on resource: ${input.FunctionName}`);
      const bytes = input.Payload?.length ?? 0;
      if (input.InvocationType !== 'RequestResponse') throw new Error(`this fake only takes synchronous invocations, got ${input.InvocationType}`);
      if (bytes > SYNC_REQUEST_LIMIT_BYTES) throw awsError('RequestTooLargeException', `Request must be smaller than ${SYNC_REQUEST_LIMIT_BYTES} bytes for the InvokeFunction operation`);
      this.invocations.push({ functionName: input.FunctionName, bytes });
      const event = JSON.parse(Buffer.from(input.Payload ?? new Uint8Array()).toString('utf8')) as never;
      try {
        const answer = await f.handler(event, fakeLambdaContext({ remainingMs: 60_000, functionName: input.FunctionName }));
        return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: Buffer.from(JSON.stringify(answer ?? null)) };
      } catch (e) {
        const error = e as Error;
        return { StatusCode: 200, ExecutedVersion: '$LATEST', FunctionError: 'Unhandled', Payload: Buffer.from(JSON.stringify({ errorType: error.name, errorMessage: error.message })) };
      }
    });
  }

  add(name: string, f: FakeFunction): void {
    this.functions.set(name, f);
  }

  invocationsOf(name: string): number {
    return this.invocations.filter((i) => i.functionName === name).length;
  }

  restore(): void {
    this.mock.restore();
  }
}

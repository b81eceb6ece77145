/**
 * SQS standard queues in memory behind the real `SQSClient` (aws-sdk-client-mock): GetQueueUrl,
 * ReceiveMessage with visibility timeouts and a fresh receipt handle per receive, DeleteMessage and
 * ChangeMessageVisibility by the current receipt handle. SQS has no local implementation here.
 */
import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand, DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';

/** SQS's largest message (since August 2025): 1 MiB. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

interface StoredMessage {
  id: string;
  body: string;
  visibleAt: number;
  receipt?: string;
  receives: number;
}

export class FakeQueue {
  readonly messages: StoredMessage[] = [];
  readonly deleted: string[] = [];

  constructor(
    readonly name: string,
    readonly account: string,
    readonly region: string,
  ) {}

  get arn(): string {
    return `arn:aws:sqs:${this.region}:${this.account}:${this.name}`;
  }

  get url(): string {
    return `https://sqs.${this.region}.amazonaws.com/${this.account}/${this.name}`;
  }

  /** SendMessage: refuses a body over 1 MiB, as SQS does. */
  send(body: string): string {
    if (Buffer.byteLength(body) > SQS_MAX_MESSAGE_BYTES) throw awsError('InvalidParameterValue', 'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.');
    const id = randomUUID();
    this.messages.push({ id, body, visibleAt: 0, receives: 0 });
    return id;
  }

  /** Messages a consumer of the queue would see now. */
  visible(): StoredMessage[] {
    return this.messages.filter((m) => m.visibleAt <= Date.now());
  }
}

export class FakeQueues {
  readonly client = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  private readonly queues = new Map<string, FakeQueue>();
  private readonly mock = mockClient(this.client);

  constructor() {
    this.mock.on(GetQueueUrlCommand).callsFake((input: { QueueName: string; QueueOwnerAWSAccountId?: string }) => {
      const q = [...this.queues.values()].find((x) => x.name === input.QueueName && (input.QueueOwnerAWSAccountId ?? x.account) === x.account);
      if (!q) throw awsError('QueueDoesNotExist', 'The specified queue does not exist.');
      return { QueueUrl: q.url };
    });
    this.mock.on(ReceiveMessageCommand).callsFake((input: { QueueUrl: string; MaxNumberOfMessages?: number; VisibilityTimeout?: number }) => {
      const q = this.byUrl(input.QueueUrl);
      const out = q.visible().slice(0, input.MaxNumberOfMessages ?? 1);
      for (const m of out) {
        m.receives++;
        m.receipt = `${m.id}#${m.receives}`;
        m.visibleAt = Date.now() + (input.VisibilityTimeout ?? 30) * 1000;
      }
      return { Messages: out.map((m) => ({ MessageId: m.id, ReceiptHandle: m.receipt, Body: m.body })) };
    });
    this.mock.on(DeleteMessageCommand).callsFake((input: { QueueUrl: string; ReceiptHandle: string }) => {
      const q = this.byUrl(input.QueueUrl);
      const i = q.messages.findIndex((m) => m.receipt === input.ReceiptHandle);
      if (i < 0) throw awsError('ReceiptHandleIsInvalid', `The receipt handle "${input.ReceiptHandle}" is not valid.`);
      q.deleted.push(q.messages[i]!.id);
      q.messages.splice(i, 1);
      return {};
    });
    this.mock.on(ChangeMessageVisibilityCommand).callsFake((input: { QueueUrl: string; ReceiptHandle: string; VisibilityTimeout: number }) => {
      const m = this.byUrl(input.QueueUrl).messages.find((x) => x.receipt === input.ReceiptHandle);
      if (!m) throw awsError('ReceiptHandleIsInvalid', `The receipt handle "${input.ReceiptHandle}" is not valid.`);
      m.visibleAt = Date.now() + input.VisibilityTimeout * 1000;
      return {};
    });
  }

  create(name: string, account = '123456789012', region = 'eu-west-1'): FakeQueue {
    const q = new FakeQueue(name, account, region);
    this.queues.set(q.url, q);
    return q;
  }

  restore(): void {
    this.mock.restore();
  }

  private byUrl(url: string): FakeQueue {
    const q = this.queues.get(url);
    if (!q) throw awsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return q;
  }
}

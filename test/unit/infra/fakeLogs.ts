/**
 * An in-memory CloudWatch Logs account behind aws-sdk-client-mock, so the subscription tool
 * and the new-log-group function are tested against state (log groups, their filters, tags,
 * account policies) and the service's documented rules rather than canned responses:
 * 50 log groups per DescribeLogGroups page, at most `maxFilters` filters per log group
 * (LimitExceededException), PutSubscriptionFilter with an existing name updates in place,
 * unknown log groups raise ResourceNotFoundException. Faults can be injected per command.
 */
import {
  CloudWatchLogsClient,
  DeleteAccountPolicyCommand,
  DeleteSubscriptionFilterCommand,
  DescribeAccountPoliciesCommand,
  DescribeLogGroupsCommand,
  DescribeSubscriptionFiltersCommand,
  LimitExceededException,
  ListTagsForResourceCommand,
  PutAccountPolicyCommand,
  PutSubscriptionFilterCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

export interface FakeFilter {
  filterName: string;
  destinationArn: string;
  filterPattern: string;
}

interface Group {
  tags: Record<string, string>;
  filters: FakeFilter[];
}

export interface FakePolicy {
  policyName: string;
  policyDocument: string;
  selectionCriteria?: string;
  policyType: string;
}

type CommandName = 'DescribeLogGroups' | 'DescribeSubscriptionFilters' | 'PutSubscriptionFilter' | 'DeleteSubscriptionFilter' | 'ListTagsForResource' | 'PutAccountPolicy';

export class FakeLogs {
  readonly groups = new Map<string, Group>();
  readonly policies: FakePolicy[] = [];
  readonly calls: Record<string, number> = {};
  /** Called before a command mutates state; lets a test change the world between plan and apply. */
  beforePut?: (logGroupName: string) => void;
  private readonly faults: { command: CommandName; error: () => Error; times: number }[] = [];
  readonly mock: AwsStub<any, any, any>;

  constructor(
    readonly maxFilters = 2,
    readonly pageSize = 50,
  ) {
    this.mock = mockClient(CloudWatchLogsClient);
    this.install();
  }

  arn(name: string): string {
    return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
  }

  addGroup(name: string, opts: { tags?: Record<string, string>; filters?: FakeFilter[] } = {}): this {
    this.groups.set(name, { tags: opts.tags ?? {}, filters: [...(opts.filters ?? [])] });
    return this;
  }

  filtersOf(name: string): FakeFilter[] {
    return this.groups.get(name)?.filters ?? [];
  }

  /** The next `times` calls of `command` fail with `error()`. */
  fail(command: CommandName, error: () => Error, times = 1): this {
    this.faults.push({ command, error, times });
    return this;
  }

  restore(): void {
    this.mock.restore();
  }

  private fault(command: CommandName): void {
    this.calls[command] = (this.calls[command] ?? 0) + 1;
    const f = this.faults.find((x) => x.command === command && x.times > 0);
    if (f) {
      f.times--;
      throw f.error();
    }
  }

  private group(name: string): Group {
    const g = this.groups.get(name);
    if (!g) throw new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} });
    return g;
  }

  private install(): void {
    this.mock.on(DescribeLogGroupsCommand).callsFake((input: { logGroupNamePrefix?: string; nextToken?: string }) => {
      this.fault('DescribeLogGroups');
      const names = [...this.groups.keys()].filter((n) => !input.logGroupNamePrefix || n.startsWith(input.logGroupNamePrefix)).sort();
      const start = input.nextToken ? Number(input.nextToken) : 0;
      const page = names.slice(start, start + this.pageSize);
      const next = start + this.pageSize < names.length ? String(start + this.pageSize) : undefined;
      return {
        logGroups: page.map((n) => ({ logGroupName: n, arn: `${this.arn(n)}:*`, logGroupArn: this.arn(n) })),
        ...(next ? { nextToken: next } : {}),
      };
    });
    this.mock.on(DescribeSubscriptionFiltersCommand).callsFake((input: { logGroupName: string }) => {
      this.fault('DescribeSubscriptionFilters');
      return { subscriptionFilters: this.group(input.logGroupName).filters.map((f) => ({ ...f, logGroupName: input.logGroupName })) };
    });
    this.mock.on(ListTagsForResourceCommand).callsFake((input: { resourceArn: string }) => {
      this.fault('ListTagsForResource');
      const name = input.resourceArn.split(':log-group:')[1] ?? '';
      return { tags: { ...this.group(name).tags } };
    });
    this.mock.on(PutSubscriptionFilterCommand).callsFake((input: FakeFilter & { logGroupName: string }) => {
      this.fault('PutSubscriptionFilter');
      this.beforePut?.(input.logGroupName);
      const g = this.group(input.logGroupName);
      const existing = g.filters.findIndex((f) => f.filterName === input.filterName);
      const filter = { filterName: input.filterName, destinationArn: input.destinationArn, filterPattern: input.filterPattern };
      if (existing >= 0) {
        g.filters[existing] = filter;
      } else {
        if (g.filters.length >= this.maxFilters) throw new LimitExceededException({ message: 'Resource limit exceeded.', $metadata: {} });
        g.filters.push(filter);
      }
      return {};
    });
    this.mock.on(DeleteSubscriptionFilterCommand).callsFake((input: { logGroupName: string; filterName: string }) => {
      this.fault('DeleteSubscriptionFilter');
      const g = this.group(input.logGroupName);
      const i = g.filters.findIndex((f) => f.filterName === input.filterName);
      if (i < 0) throw new ResourceNotFoundException({ message: 'The specified subscription filter does not exist.', $metadata: {} });
      g.filters.splice(i, 1);
      return {};
    });
    this.mock.on(DescribeAccountPoliciesCommand).callsFake((input: { policyType: string }) => ({
      accountPolicies: this.policies.filter((p) => p.policyType === input.policyType).map((p) => ({ ...p, accountId: ACCOUNT, scope: 'ALL' })),
    }));
    this.mock.on(PutAccountPolicyCommand).callsFake((input: FakePolicy) => {
      this.fault('PutAccountPolicy');
      const i = this.policies.findIndex((p) => p.policyName === input.policyName && p.policyType === input.policyType);
      const policy = { policyName: input.policyName, policyDocument: input.policyDocument, selectionCriteria: input.selectionCriteria, policyType: input.policyType };
      if (i >= 0) this.policies[i] = policy;
      else this.policies.push(policy);
      return { accountPolicy: policy };
    });
    this.mock.on(DeleteAccountPolicyCommand).callsFake((input: { policyName: string; policyType: string }) => {
      const i = this.policies.findIndex((p) => p.policyName === input.policyName && p.policyType === input.policyType);
      if (i < 0) throw new ResourceNotFoundException({ message: 'Policy not found.', $metadata: {} });
      this.policies.splice(i, 1);
      return {};
    });
  }
}

/** Captures what the CLI writes. */
export function captureIo(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s), isTTY: false },
      env: { AWS_REGION: REGION },
      cwd,
      createClient: (region: string) => new CloudWatchLogsClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
      backoff: { retries: 6, minTimeoutMs: 1, maxTimeoutMs: 5 },
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

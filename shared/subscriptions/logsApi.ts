/**
 * The CloudWatch Logs calls the subscription tool and the new-log-group function make, each
 * wrapped in throttling backoff. Pagination is done by hand (one backoff per page) so a
 * throttled page 37 of 60 is retried alone instead of restarting the listing.
 */
import {
  type CloudWatchLogsClient,
  DeleteSubscriptionFilterCommand,
  DescribeLogGroupsCommand,
  DescribeSubscriptionFiltersCommand,
  ListTagsForResourceCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { ExistingFilter, TargetFilter } from './decide.ts';
import { type BackoffOptions, DEFAULT_BACKOFF, withBackoff } from './retry.ts';

export interface LogGroupRef {
  name: string;
  /** ARN without the trailing `:*` (the form ListTagsForResource takes). */
  arn: string;
}

export interface LogsApi {
  /** Pages through log groups, optionally only those starting with `prefix`. */
  listLogGroups(prefix: string | undefined, onPage?: (count: number) => void): AsyncGenerator<LogGroupRef>;
  describeFilters(logGroupName: string): Promise<ExistingFilter[]>;
  listTags(logGroupArn: string): Promise<Record<string, string>>;
  putFilter(logGroupName: string, target: TargetFilter): Promise<void>;
  deleteFilter(logGroupName: string, filterName: string): Promise<void>;
}

/** Removes the `:*` CloudWatch Logs appends to a log group's `arn`. */
function bareLogGroupArn(arn: string): string {
  return arn.endsWith(':*') ? arn.slice(0, -2) : arn;
}

export function createLogsApi(client: CloudWatchLogsClient, backoff: BackoffOptions = DEFAULT_BACKOFF): LogsApi {
  const call = <T>(fn: () => Promise<T>) => withBackoff(fn, backoff);
  return {
    async *listLogGroups(prefix, onPage) {
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const page = await call(() =>
          client.send(new DescribeLogGroupsCommand({ ...(prefix ? { logGroupNamePrefix: prefix } : {}), ...(token ? { nextToken: token } : {}) })),
        );
        const groups = page.logGroups ?? [];
        onPage?.(groups.length);
        for (const g of groups) {
          if (!g.logGroupName) continue;
          const arn = g.logGroupArn ?? (g.arn ? bareLogGroupArn(g.arn) : '');
          yield { name: g.logGroupName, arn };
        }
        nextToken = page.nextToken;
      } while (nextToken);
    },

    async describeFilters(logGroupName) {
      const out: ExistingFilter[] = [];
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const page = await call(() =>
          client.send(new DescribeSubscriptionFiltersCommand({ logGroupName, ...(token ? { nextToken: token } : {}) })),
        );
        for (const f of page.subscriptionFilters ?? []) {
          if (f.filterName) out.push({ filterName: f.filterName, destinationArn: f.destinationArn, filterPattern: f.filterPattern });
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return out;
    },

    async listTags(logGroupArn) {
      const out = await call(() => client.send(new ListTagsForResourceCommand({ resourceArn: logGroupArn })));
      return { ...(out.tags ?? {}) };
    },

    async putFilter(logGroupName, target) {
      await call(() =>
        client.send(
          new PutSubscriptionFilterCommand({
            logGroupName,
            filterName: target.filterName,
            filterPattern: target.filterPattern,
            destinationArn: target.destinationArn,
          }),
        ),
      );
    },

    async deleteFilter(logGroupName, filterName) {
      await call(() => client.send(new DeleteSubscriptionFilterCommand({ logGroupName, filterName })));
    },
  };
}

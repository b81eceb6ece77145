/**
 * The subscription settings read from the params (readLogGroupSettings in subscriptions.ts). A
 * file of its own so that subscriptions.ts and subscriptionResource.ts, which both take it, do
 * not import each other.
 */
import type { SelectionRules } from '../../shared/subscriptions/selection.ts';

export interface LogGroupSettings {
  service: string;
  stage: string;
  names: string[];
  prefixes: string[];
  patterns: string[];
  tags: Record<string, string>;
  exclude: string[];
  filterPattern: string;
  maxFilters: number;
  rules: SelectionRules;
}

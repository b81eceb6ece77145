/**
 * The metrics the scraper reads by default: Lambda's own metrics that no log line carries (the REPORT lines'
 * duration, memory and init time reach the providers as platform metrics already, so they are not here and
 * their names are never doubled). CloudWatch's API returns no unit and no type, so each carries both: the
 * unit Lambda publishes it in, and the type its meaning needs (docs/metrics-scraper.md#types).
 *
 * `scope`: `function` metrics are read per function (dimension `FunctionName`) for the functions whose log
 * groups the subscription rules select; `account` metrics once for the account and Region (no dimension).
 */
import type { EmfUnit } from '../../shared/emf/constants.ts';
import type { ScrapeType } from './spec.ts';

export interface LambdaMetric {
  readonly name: string;
  readonly unit: EmfUnit;
  readonly type: ScrapeType;
  readonly scopes: readonly ('function' | 'account')[];
}

export const LAMBDA_NAMESPACE = 'AWS/Lambda';

export const LAMBDA_METRICS: readonly LambdaMetric[] = Object.freeze([
  { name: 'Throttles', unit: 'Count', type: 'count', scopes: ['function'] },
  { name: 'Errors', unit: 'Count', type: 'count', scopes: ['function'] },
  { name: 'DeadLetterErrors', unit: 'Count', type: 'count', scopes: ['function'] },
  { name: 'DestinationDeliveryFailures', unit: 'Count', type: 'count', scopes: ['function'] },
  { name: 'AsyncEventsDropped', unit: 'Count', type: 'count', scopes: ['function'] },
  { name: 'ProvisionedConcurrencySpilloverInvocations', unit: 'Count', type: 'count', scopes: ['function'] },
  // Concurrency and ages: what matters is the highest value of the period (AWS recommends Maximum for each).
  { name: 'ConcurrentExecutions', unit: 'Count', type: 'gauge', scopes: ['function', 'account'] },
  { name: 'UnreservedConcurrentExecutions', unit: 'Count', type: 'gauge', scopes: ['account'] },
  { name: 'AsyncEventAge', unit: 'Milliseconds', type: 'gauge', scopes: ['function'] },
  { name: 'IteratorAge', unit: 'Milliseconds', type: 'gauge', scopes: ['function'] },
]);

/** The entry of `name`, or undefined. */
export function lambdaMetric(name: string): LambdaMetric | undefined {
  return LAMBDA_METRICS.find((m) => m.name === name);
}

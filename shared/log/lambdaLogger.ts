/**
 * The functions' logger in Lambda: Powertools Logger behind the `Logger` type. Every line is one JSON
 * object with `level`, `message`, `timestamp`, `service` and the caller's fields; after the handler's
 * `setContext(context)`, also `function_name`, `function_request_id`, `function_arn`,
 * `function_memory_size` and `cold_start`, and `xray_trace_id` when tracing is on. CloudWatch Logs
 * Insights reads these as fields, so one invocation's lines are found by its request id.
 *
 * Errors are written by Powertools' formatter (name, message, location, stack, cause); bigints as
 * strings. Values that come from documents are described (shared/describe.ts) before they reach a
 * field, so a line stays bounded.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { type LogFields, type Logger, type LogLevel, parseLogLevel } from './logger.ts';

const POWERTOOLS_LEVEL = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' } as const;

/**
 * @param service the `service` of every line (`emf-fanout`, or `POWERTOOLS_SERVICE_NAME`)
 * @param base fields of every line (`fn`, `provider`)
 * @param level default `LOG_LEVEL`, else `info`; `AWS_LAMBDA_LOG_LEVEL` (Lambda's advanced logging
 *   controls) takes precedence, as Powertools documents
 */
export function createLambdaLogger(opts: { base?: LogFields; level?: LogLevel; service?: string } = {}): Logger {
  const logger = new PowertoolsLogger({
    serviceName: opts.service ?? process.env.POWERTOOLS_SERVICE_NAME ?? 'emf-fanout',
    logLevel: POWERTOOLS_LEVEL[opts.level ?? parseLogLevel(process.env.LOG_LEVEL)],
    persistentKeys: opts.base ?? {},
  });
  const emit = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (fields === undefined) logger[level](message);
    else logger[level](message, fields);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    setContext: (context: Context) => logger.addContext(context),
  };
}

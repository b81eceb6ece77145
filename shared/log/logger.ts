/**
 * The `Logger` every piece of code takes, so tests can capture what was logged. Two implementations:
 * - in Lambda, `createLambdaLogger` (lambdaLogger.ts): Powertools Logger, with the request id and the
 *   function name in every line once the handler has called `setContext(context)`;
 * - on a command line and in tests, `createLineLogger`: one JSON object per line to a given sink
 *   (`npm start` writes its logs to stderr, because stdout carries the data it prints).
 *
 * The pipeline's own log lines never contain `_aws`, so even a misconfigured subscription
 * on the pipeline's log groups cannot turn them into metrics (and the loop guard drops them).
 */
import type { Context } from 'aws-lambda';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Called by a handler at the start of each invocation: later lines carry its request id. */
  setContext?(context: Context): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function parseLogLevel(v: string | undefined): LogLevel {
  const l = (v ?? 'info').toLowerCase();
  return l in ORDER ? (l as LogLevel) : 'info';
}

export function createLineLogger(opts: { level?: LogLevel; write?: (line: string) => void; base?: LogFields } = {}): Logger {
  const min = ORDER[opts.level ?? parseLogLevel(process.env.LOG_LEVEL)];
  const write = opts.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const base = opts.base ?? {};
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ level, message, ...base, ...fields }, errorReplacer));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...(value as unknown as Record<string, unknown>) };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A logger that keeps every entry in memory (tests, and `npm start`'s summary). */
export function createMemoryLogger(): Logger & {
  entries: { level: LogLevel; message: string; fields: LogFields }[];
  /** The request id of each `setContext` call, in order. */
  requestIds: string[];
} {
  const entries: { level: LogLevel; message: string; fields: LogFields }[] = [];
  const requestIds: string[] = [];
  const push = (level: LogLevel) => (message: string, fields: LogFields = {}) => void entries.push({ level, message, fields });
  const setContext = (context: Context) => void requestIds.push(context.awsRequestId);
  return { entries, requestIds, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error'), setContext };
}

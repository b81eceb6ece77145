/**
 * CloudWatch Logs subscription payloads delivered to a Lambda function:
 *   event = {"awslogs":{"data": base64(gzip(json))}}
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html
 */
import { gunzipSync } from 'node:zlib';
import { DecodeError } from '../errors.ts';
import { decodeBase64Strict } from '../encoding/base64.ts';
import { parsePayloadJson } from './payloadJson.ts';

export interface LogEvent {
  id: string;
  timestamp: number;
  message: string;
}

export interface SubscriptionPayload {
  messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: LogEvent[];
  policyLevel?: string;
}

export interface SubscriptionEvent {
  awslogs: { data: string };
}

/**
 * base64 → gunzip (capped at `maxBytes`, so a decompression bomb is an error, never an out-of-memory) → JSON
 * (`parsePayloadJson`: a large payload in pieces, never as one string).
 * Throws `DecodeError` whose reason is one of: `event_shape_invalid`, `payload_base64_invalid`,
 * `payload_gzip_invalid`, `payload_too_large`, `payload_json_invalid`, `payload_shape_invalid`.
 */
export function decodeSubscriptionEvent(event: unknown, maxBytes: number): SubscriptionPayload {
  const data = (event as { awslogs?: { data?: unknown } } | null)?.awslogs?.data;
  if (typeof data !== 'string') {
    throw new DecodeError('event is not a CloudWatch Logs subscription event: expected {"awslogs":{"data":"<base64>"}}', 'event_shape_invalid');
  }
  const gz = decodeBase64Strict(data, 'payload_base64_invalid', 'awslogs.data');
  let json: Buffer;
  try {
    json = gunzipSync(gz, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DecodeError(`awslogs.data decompresses to more than ${maxBytes} bytes (MAX_DECOMPRESSED_BYTES); rejected as a possible decompression bomb`, 'payload_too_large', { cause: err });
    }
    throw new DecodeError(`awslogs.data is not valid gzip: ${(err as Error).message}`, 'payload_gzip_invalid', { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = parsePayloadJson(json);
  } catch (err) {
    throw new DecodeError(`awslogs.data does not hold JSON: ${(err as Error).message}`, 'payload_json_invalid', { cause: err });
  }
  return checkPayload(parsed);
}

function checkPayload(p: unknown): SubscriptionPayload {
  const fail = (what: string): never => {
    throw new DecodeError(`subscription payload ${what}`, 'payload_shape_invalid');
  };
  if (typeof p !== 'object' || p === null || Array.isArray(p)) fail('is not a JSON object');
  const o = p as Record<string, unknown>;
  if (o.messageType !== 'DATA_MESSAGE' && o.messageType !== 'CONTROL_MESSAGE') {
    fail(`has messageType ${JSON.stringify(o.messageType)}; expected DATA_MESSAGE or CONTROL_MESSAGE`);
  }
  for (const k of ['owner', 'logGroup', 'logStream'] as const) {
    if (typeof o[k] !== 'string') fail(`field "${k}" must be a string`);
  }
  if (!Array.isArray(o.logEvents)) fail('field "logEvents" must be an array');
  // An indexed loop: up to 10,000 events per payload, no iterator result per event.
  const events = o.logEvents as unknown[];
  for (let i = 0; i < events.length; i++) {
    const ev = events[i] as Record<string, unknown> | null;
    if (typeof ev !== 'object' || ev === null || typeof ev.message !== 'string' || typeof ev.timestamp !== 'number' || typeof ev.id !== 'string') {
      fail(`logEvents[${i}] must be {id: string, timestamp: number, message: string}`);
    }
  }
  if (!Array.isArray(o.subscriptionFilters)) o.subscriptionFilters = [];
  return o as unknown as SubscriptionPayload;
}

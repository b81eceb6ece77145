/**
 * A local Datadog metrics intake on 127.0.0.1 for tests: `POST /api/v1/distribution_points` and
 * `POST /api/v2/series`, each request checked against Datadog's published API schema, the models of
 * `@datadog/datadog-api-client` (https://docs.datadoghq.com/api/latest/metrics/), and answered as the
 * real intake does: 404, 403, 413, 400 with the problems named, or 202. Points Datadog would accept with
 * a 202 and then drop (too old, bad name or tag, count without interval) are recorded as problems and
 * left out of the accepted data. A test can script any other answer, or `hang`.
 *
 * The schema is read from the client's model files: each model's attribute map (names, types, formats,
 * required) and each enum's values. They are imported from their own files rather than the package's
 * entry point, which loads every API of both versions. The v1 body also goes through the client's own
 * v1 deserializer. The v2 deserializer is left out: it loads all of the about 8,000 v2 model modules
 * (one to two seconds per test process), and the v2 models here have no oneOf, which is all it would add.
 */
import type { SecretResolver } from '../../shared/secrets/secretResolver.ts';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { ObjectSerializer as V1Serializer } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/ObjectSerializer.js';
import { DistributionPointsPayload } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/DistributionPointsPayload.js';
import { DistributionPointsSeries } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/DistributionPointsSeries.js';
import { MetricPayload } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/MetricPayload.js';
import { MetricSeries } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/MetricSeries.js';
import { MetricPoint } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/MetricPoint.js';
import { MetricMetadata } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/MetricMetadata.js';
import { MetricOrigin } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/MetricOrigin.js';
import { MetricResource } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/MetricResource.js';
import * as DistributionPointsContentEncoding from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/DistributionPointsContentEncoding.js';
import * as DistributionPointsType from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/DistributionPointsType.js';
import * as MetricContentEncoding from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/MetricContentEncoding.js';
import * as MetricIntakeType from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/models/MetricIntakeType.js';
import { UnparsedObject, type AttributeTypeMap } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-common/util.js';

/** One request as the receiver read it. */
export interface DatadogRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** bytes on the wire (compressed as sent) */
  wireBytes: number;
  /** decompressed bytes */
  bodyBytes: number;
  /** parsed JSON body, undefined when it could not be read */
  body: unknown;
  /** every schema or semantic problem found in this request (empty: valid) */
  problems: string[];
  /** status the receiver answered (undefined while hanging) */
  status?: number;
  /** `Date.now()` when the request was fully read. */
  at: number;
}

/** How to answer one request: as the intake would (`validate`), never (`hang`), or exactly as given. */
export type DatadogAnswer = 'validate' | 'hang' | { status: number; headers?: Record<string, string>; body?: string };

/** One accepted v2 point with its series' intake type (0 unspecified, 1 count, 2 rate, 3 gauge) and interval. */
export interface SeriesPoint {
  timestamp: number;
  value: number;
  type: number;
  interval?: number;
}

/** A running receiver. */
export interface DatadogReceiver {
  /** base URL, e.g. http://127.0.0.1:40123 (paths /api/v1/distribution_points and /api/v2/series under it) */
  url: string;
  apiKey: string;
  requests: DatadogRequest[];
  /** decides each answer; default () => 'validate' */
  answer: (req: DatadogRequest, index: number) => DatadogAnswer;
  /** Values of the distribution points the receiver accepted (answered 202 by 'validate'), by series key: `metric{tag1,tag2}` with tags sorted, `metric{}` without tags. Points with semantic problems (too old etc.) are NOT included (Datadog drops them after its 202). */
  distributionValues(): Map<string, number[]>;
  /** Accepted v2 series points by the same key, in arrival order. */
  seriesPoints(): Map<string, SeriesPoint[]>;
  /** every problem of every request, prefixed with the request index */
  problems(): string[];
  /** forget requests and accepted data */
  reset(): void;
  close(): Promise<void>;
}

/** The receiver's API key as a provider under test resolves `DD_API_KEY_REF`. */
export function keyOf(receiver: Pick<DatadogReceiver, 'apiKey'>): SecretResolver {
  return { resolve: async () => receiver.apiKey, invalidate: () => undefined };
}

/** Datadog's limits for metric submission (https://docs.datadoghq.com/api/latest/metrics/). */
const MAX_WIRE_BYTES = 512_000;
const MAX_BODY_BYTES = 5_242_880;
const MAX_AGE_S = 3600;
const MAX_AHEAD_S = 600;
const MAX_NAME_LENGTH = 200;
const MAX_TAG_LENGTH = 200;
/** Problems kept per request; the rest are counted in one last line. */
const MAX_PROBLEMS = 100;

const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.]*$/;
const TAG_CHARS = /^[\p{L}\p{N}_\-:./]*$/u;

interface Serializer {
  deserialize(data: unknown, type: string, format?: string): unknown;
}

/** The values of an enum model file (its exported constants). */
function enumValues(module: object): readonly unknown[] {
  return Object.entries(module)
    .filter(([name, v]) => name !== 'default' && (typeof v === 'string' || typeof v === 'number'))
    .map(([, v]) => v as unknown)
    .sort();
}

/** What each endpoint takes: its payload model, the models and enums under it, and the encoding enum. */
interface Endpoint {
  version: 'v1' | 'v2';
  /** The client's deserializer for this version, for oneOfs and a second opinion on the whole body. */
  serializer?: Serializer;
  enums: Map<string, readonly unknown[]>;
  payloadType: string;
  encodingType: string;
  models: Map<string, AttributeTypeMap>;
  /** The body of a 202. */
  accepted: string;
}

const ENDPOINTS = new Map<string, Endpoint>([
  [
    '/api/v1/distribution_points',
    {
      version: 'v1',
      serializer: V1Serializer,
      payloadType: 'DistributionPointsPayload',
      encodingType: 'DistributionPointsContentEncoding',
      models: new Map([
        ['DistributionPointsPayload', DistributionPointsPayload.getAttributeTypeMap()],
        ['DistributionPointsSeries', DistributionPointsSeries.getAttributeTypeMap()],
      ]),
      enums: new Map([
        ['DistributionPointsContentEncoding', enumValues(DistributionPointsContentEncoding)],
        ['DistributionPointsType', enumValues(DistributionPointsType)],
      ]),
      accepted: JSON.stringify({ status: 'ok' }),
    },
  ],
  [
    '/api/v2/series',
    {
      version: 'v2',
      payloadType: 'MetricPayload',
      encodingType: 'MetricContentEncoding',
      models: new Map([
        ['MetricPayload', MetricPayload.getAttributeTypeMap()],
        ['MetricSeries', MetricSeries.getAttributeTypeMap()],
        ['MetricPoint', MetricPoint.getAttributeTypeMap()],
        ['MetricMetadata', MetricMetadata.getAttributeTypeMap()],
        ['MetricOrigin', MetricOrigin.getAttributeTypeMap()],
        ['MetricResource', MetricResource.getAttributeTypeMap()],
      ]),
      enums: new Map([
        ['MetricContentEncoding', enumValues(MetricContentEncoding)],
        ['MetricIntakeType', enumValues(MetricIntakeType)],
      ]),
      accepted: JSON.stringify({ errors: [] }),
    },
  ],
]);

/** A bounded list of problems. */
class Problems {
  readonly list: string[] = [];
  private dropped = 0;
  get full(): boolean {
    return this.list.length >= MAX_PROBLEMS;
  }
  get count(): number {
    return this.list.length + this.dropped;
  }
  add(problem: string): void {
    if (this.full) this.dropped++;
    else this.list.push(problem);
  }
  result(): string[] {
    return this.dropped === 0 ? [...this.list] : [...this.list, `${this.dropped} more problems not listed`];
  }
}

/** A short, bounded description of an untrusted value for a problem message. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function quoteKey(k: string): string {
  return JSON.stringify(k.length > 60 ? `${k.slice(0, 60)}…` : k);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

const ARRAY_PREFIX = 'Array<';
const MAP_PREFIX = '{ [key: string]: ';

/**
 * Checks a JSON value against a type of the client's models, strictly: no null, no unknown field, numbers
 * finite and integral where the model's format says int32/int64, enums and oneOfs as the client's own
 * deserializer decides them. Problems name the path (`series[0].points[2]`).
 */
class SchemaCheck {
  constructor(
    private readonly endpoint: Endpoint,
    private readonly problems: Problems,
  ) {}

  check(value: unknown, type: string, format: string | undefined, path: string): void {
    if (this.problems.full) return;
    const before = this.problems.count;
    this.checkType(value, type, format, path);
    if (this.problems.count === before) this.refine(value, type, path);
  }

  private checkType(value: unknown, type: string, format: string | undefined, path: string): void {
    const p = this.problems;
    if (type === 'any' || type.startsWith(MAP_PREFIX)) return;
    if (value === null) {
      p.add(`${path}: null where ${type} is expected`);
      return;
    }
    if (type === 'string' || type === 'boolean') {
      if (typeof value !== type) p.add(`${path}: expected a ${type}, got ${describe(value)}`);
      return;
    }
    if (['number', 'double', 'float', 'integer', 'long'].includes(type)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        p.add(`${path}: expected a finite number, got ${describe(value)}`);
      } else if ((format === 'int64' || format === 'int32' || type === 'integer' || type === 'long') && !Number.isSafeInteger(value)) {
        p.add(`${path}: expected an integer (${format ?? type}), got ${value}`);
      } else if (format === 'int32' && (value < -(2 ** 31) || value >= 2 ** 31)) {
        p.add(`${path}: ${value} is out of int32 range`);
      }
      return;
    }
    if (type.startsWith(ARRAY_PREFIX)) {
      if (!Array.isArray(value)) {
        p.add(`${path}: expected an array, got ${describe(value)}`);
        return;
      }
      const inner = type.slice(ARRAY_PREFIX.length, -1);
      for (let i = 0; i < value.length && !p.full; i++) this.check(value[i], inner, format, `${path}[${i}]`);
      return;
    }
    if (type.startsWith('[')) {
      const members = type.slice(1, -1).split(', ');
      if (!Array.isArray(value) || value.length !== members.length) {
        p.add(`${path}: expected a tuple of ${members.length} (${type}), got ${describe(value)}`);
        return;
      }
      members.forEach((member, i) => this.check(value[i], member, format, `${path}[${i}]`));
      return;
    }
    const model = this.endpoint.models.get(type);
    if (model !== undefined) {
      this.checkModel(value, type, model, path);
      return;
    }
    const allowed = this.endpoint.enums.get(type);
    if (allowed !== undefined) {
      if (!allowed.includes(value)) p.add(`${path}: ${describe(value)} is not a valid ${type} (${allowed.map((a) => JSON.stringify(a)).join(', ')})`);
      return;
    }
    // A oneOf: the client's deserializer decides.
    const serializer = this.endpoint.serializer;
    if (serializer === undefined) {
      p.add(`${path}: the receiver has no model for ${type}`);
      return;
    }
    let result: unknown;
    try {
      result = serializer.deserialize(value, type, format ?? '');
    } catch (err) {
      p.add(`${path}: ${describe(value)} is not a ${type} (${String((err as Error).message).slice(0, 120)})`);
      return;
    }
    if (result instanceof UnparsedObject || (isPlainObject(result) && result._unparsed === true)) {
      p.add(`${path}: ${describe(value)} is not a valid ${type}`);
    } else if (isPlainObject(result)) {
      p.add(`${path}: the receiver has no model for ${type}`);
    }
  }

  private checkModel(value: unknown, type: string, model: AttributeTypeMap, path: string): void {
    const p = this.problems;
    if (!isPlainObject(value)) {
      p.add(`${path || '(body)'}: expected a ${type} object, got ${describe(value)}`);
      return;
    }
    const known = new Set<string>();
    for (const [name, attr] of Object.entries(model)) if (name !== 'additionalProperties') known.add(attr.baseName);
    for (const key of Object.keys(value)) {
      if (p.full) return;
      if (!known.has(key)) p.add(`${path ? `${path}.` : ''}${quoteKey(key)}: unknown field of ${type}`);
    }
    for (const [name, attr] of Object.entries(model)) {
      if (name === 'additionalProperties' || p.full) continue;
      const v = field(value, attr.baseName);
      const at = path ? `${path}.${attr.baseName}` : attr.baseName;
      if (v === undefined) {
        if (attr.required === true) p.add(`${path || '(body)'}: missing required property '${attr.baseName}' of ${type}`);
      } else {
        this.check(v, attr.type, attr.format, at);
      }
    }
  }

  /** What the models leave open but the intake needs: a distribution point is `[timestamp, [values…]]`, a v2 point has both fields. */
  private refine(value: unknown, type: string, path: string): void {
    const p = this.problems;
    if (type === '[DistributionPointItem, DistributionPointItem]' && Array.isArray(value)) {
      const [ts, values] = value as unknown[];
      if (typeof ts !== 'number' || !Number.isFinite(ts)) p.add(`${path}[0]: the timestamp must be a finite number, got ${describe(ts)}`);
      if (!Array.isArray(values) || values.length === 0) {
        p.add(`${path}[1]: the values must be a non-empty array of numbers, got ${describe(values)}`);
      } else {
        const bad = values.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
        if (bad >= 0) p.add(`${path}[1][${bad}]: expected a finite number, got ${describe(values[bad])}`);
      }
    } else if (type === 'MetricPoint' && isPlainObject(value)) {
      if (field(value, 'timestamp') === undefined) p.add(`${path}: missing 'timestamp' (an integer of seconds)`);
      if (field(value, 'value') === undefined) p.add(`${path}: missing 'value' (a finite number)`);
    }
  }
}

/** What the client's own deserializer says of the body: a throw, or anything it could not parse or did not know. */
function deserializerProblems(endpoint: Endpoint, body: unknown): string[] {
  const label = `${endpoint.payloadType} (client deserializer)`;
  if (endpoint.serializer === undefined) return [];
  let instance: unknown;
  try {
    instance = endpoint.serializer.deserialize(body, endpoint.payloadType, '');
  } catch (err) {
    return [`${label}: ${String((err as Error).message).slice(0, 200)}`];
  }
  const found: string[] = [];
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: instance, path: '(body)', depth: 0 }];
  let budget = 1_000_000;
  while (stack.length > 0 && found.length < 10 && budget-- > 0) {
    const { v, path, depth } = stack.pop()!;
    if (v instanceof UnparsedObject) {
      found.push(`${label}: ${path} is unparsed`);
      continue;
    }
    if (depth > 8 || typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      v.forEach((x: unknown, i) => stack.push({ v: x, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    const o = v as Record<string, unknown>;
    if (o._unparsed === true) found.push(`${label}: ${path} is marked unparsed`);
    const extra = field(o, 'additionalProperties');
    if (isPlainObject(extra) && Object.keys(extra).length > 0) found.push(`${label}: ${path} has additional properties`);
    for (const [k, x] of Object.entries(o)) {
      if (k !== 'additionalProperties' && k !== '_unparsed') stack.push({ v: x, path: `${path}.${k}`, depth: depth + 1 });
    }
  }
  return found;
}

/** The tag rules of https://docs.datadoghq.com/getting_started/tagging/#define-tags; undefined when the tag is fine. */
function tagProblem(tag: string): string | undefined {
  if (tag.length > MAX_TAG_LENGTH) return `is longer than ${MAX_TAG_LENGTH}`;
  if (/\p{Lu}/u.test(tag)) return 'has an upper-case letter';
  if (!/^\p{L}/u.test(tag)) return 'does not start with a letter';
  if (tag.endsWith(':')) return "ends with ':'";
  if (!TAG_CHARS.test(tag)) return 'holds a character other than letters, digits, _ - : . /';
  return undefined;
}

function seriesKey(metric: string, tags: readonly string[]): string {
  return `${metric}{${[...tags].sort().join(',')}}`;
}

interface Accepted {
  distributions: Array<[string, number[]]>;
  points: Array<[string, SeriesPoint]>;
}

/** Name and tags of one series, and its index for messages; problems are added when the series must be dropped. */
function seriesAcceptable(s: Record<string, unknown>, at: string, p: Problems): { metric: string; tags: string[] } | undefined {
  const metric = field(s, 'metric') as string;
  const tags = (field(s, 'tags') as string[] | undefined) ?? [];
  let ok = true;
  if (metric.length > MAX_NAME_LENGTH) {
    p.add(`${at}.metric: the name is longer than ${MAX_NAME_LENGTH} (dropped by Datadog)`);
    ok = false;
  } else if (!METRIC_NAME.test(metric)) {
    p.add(`${at}.metric: ${describe(metric)} is not a valid metric name (dropped by Datadog)`);
    ok = false;
  }
  tags.forEach((tag, j) => {
    const why = tagProblem(tag);
    if (why !== undefined) {
      p.add(`${at}.tags[${j}]: ${describe(tag)} ${why} (dropped by Datadog)`);
      ok = false;
    }
  });
  return ok ? { metric, tags } : undefined;
}

/** The points of a schema-valid body Datadog keeps after its 202; problems for the ones it drops. */
function semanticCheck(endpoint: Endpoint, body: Record<string, unknown>, nowS: number, p: Problems): Accepted {
  const accepted: Accepted = { distributions: [], points: [] };
  const timestampProblem = (ts: number): string | undefined => {
    if (ts < nowS - MAX_AGE_S) return `timestamp ${ts} is more than ${MAX_AGE_S} s in the past (dropped by Datadog)`;
    if (ts > nowS + MAX_AHEAD_S) return `timestamp ${ts} is more than ${MAX_AHEAD_S} s in the future (dropped by Datadog)`;
    return undefined;
  };
  const series = field(body, 'series') as Array<Record<string, unknown>>;
  series.forEach((s, i) => {
    const at = `series[${i}]`;
    const named = seriesAcceptable(s, at, p);
    if (endpoint.version === 'v1') {
      if (named === undefined) return;
      const key = seriesKey(named.metric, named.tags);
      (field(s, 'points') as Array<[number, number[]]>).forEach(([ts, values], j) => {
        const why = timestampProblem(ts);
        if (why !== undefined) p.add(`${at}.points[${j}]: ${why}`);
        else accepted.distributions.push([key, values]);
      });
      return;
    }
    const type = (field(s, 'type') as number | undefined) ?? 0;
    const interval = field(s, 'interval') as number | undefined;
    if ((type === 1 || type === 2) && (interval === undefined || interval <= 0)) {
      p.add(`${at}: a ${type === 1 ? 'count' : 'rate'} needs a positive integer 'interval' (dropped by Datadog)`);
      return;
    }
    if (named === undefined) return;
    const key = seriesKey(named.metric, named.tags);
    (field(s, 'points') as Array<{ timestamp: number; value: number }>).forEach((pt, j) => {
      const why = timestampProblem(pt.timestamp);
      if (why !== undefined) p.add(`${at}.points[${j}]: ${why}`);
      else accepted.points.push([key, { timestamp: pt.timestamp, value: pt.value, type, ...(interval === undefined ? {} : { interval }) }]);
    });
  });
  return accepted;
}

/** The answer `validate` gives, the problems behind it, and what a 202 keeps. */
interface Verdict {
  status: number;
  reply: string;
  body: unknown;
  bodyBytes: number;
  problems: string[];
  accepted?: Accepted;
}

const errorsReply = (errors: string[]): string => JSON.stringify({ errors });

function decompress(encoding: string | undefined, wire: Buffer): Buffer {
  const opts = { maxOutputLength: MAX_BODY_BYTES };
  if (encoding === undefined) {
    if (wire.length > MAX_BODY_BYTES) throw new RangeError('too large');
    return wire;
  }
  if (encoding === 'deflate') return zlib.inflateSync(wire, opts);
  if (encoding === 'gzip') return zlib.gunzipSync(wire, opts);
  if (encoding === 'zstd1') {
    const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Buffer, o: object) => Buffer }).zstdDecompressSync;
    if (zstd === undefined) throw new Error('this Node has no zstd decoder (node:zlib zstdDecompressSync)');
    return zstd(wire, opts);
  }
  throw new Error(`no decoder for ${encoding}`);
}

function judge(
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  wire: Buffer | undefined,
  wireBytes: number,
  apiKey: string,
  nowMs: number,
): Verdict {
  const verdict = (status: number, reply: string, problems: string[], body?: unknown, bodyBytes = 0): Verdict => ({ status, reply, problems, body, bodyBytes });
  const endpoint = ENDPOINTS.get(path);
  if (method !== 'POST' || endpoint === undefined) return verdict(404, errorsReply(['Not found']), [`no such endpoint: ${method} ${path.slice(0, 100)}`]);
  const key = headers['dd-api-key'];
  if (key !== apiKey) return verdict(403, errorsReply(['Forbidden']), [key === undefined ? 'DD-API-KEY header missing' : 'DD-API-KEY does not match the API key']);
  if (wire === undefined || wireBytes > MAX_WIRE_BYTES) {
    return verdict(413, errorsReply(['Payload too large']), [`payload too large: ${wireBytes} bytes on the wire, the limit is ${MAX_WIRE_BYTES}`]);
  }
  const request = new Problems();
  const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') request.add(`Content-Type ${JSON.stringify(mediaType.slice(0, 60))} is not application/json`);
  const rawEncoding = headers['content-encoding']?.trim().toLowerCase();
  let encoding: string | undefined;
  if (rawEncoding !== undefined) {
    const allowed = endpoint.enums.get(endpoint.encodingType) ?? [];
    if (allowed.includes(rawEncoding)) encoding = rawEncoding;
    else request.add(`Content-Encoding ${JSON.stringify(rawEncoding.slice(0, 60))} is not a valid ${endpoint.encodingType} for ${path} (${allowed.join(', ')})`);
  }
  if (request.count > 0) return verdict(400, errorsReply(request.result()), request.result());
  let decoded: Buffer;
  try {
    decoded = decompress(encoding, wire);
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return verdict(413, errorsReply(['Payload too large']), [`payload too large: more than ${MAX_BODY_BYTES} bytes decompressed`]);
    }
    const problem = `body is not valid ${encoding ?? ''} data: ${String((err as Error).message).slice(0, 120)}`;
    return verdict(400, errorsReply([problem]), [problem]);
  }
  let body: unknown;
  try {
    body = JSON.parse(decoded.toString('utf8'));
  } catch (err) {
    const problem = `body is not JSON: ${String((err as Error).message).slice(0, 120)}`;
    return verdict(400, errorsReply([problem]), [problem], undefined, decoded.length);
  }
  const schema = new Problems();
  new SchemaCheck(endpoint, schema).check(body, endpoint.payloadType, undefined, '');
  if (schema.count === 0) for (const problem of deserializerProblems(endpoint, body)) schema.add(problem);
  if (schema.count > 0) return verdict(400, errorsReply(schema.result()), schema.result(), body, decoded.length);
  const semantic = new Problems();
  const accepted = semanticCheck(endpoint, body as Record<string, unknown>, nowMs / 1000, semantic);
  return { ...verdict(202, endpoint.accepted, semantic.result(), body, decoded.length), accepted };
}

/** Starts the receiver on a free port of 127.0.0.1. `now`: the clock (milliseconds) points are judged by; default `Date.now`. */
export async function startDatadogReceiver(opts: { apiKey?: string; now?: () => number } = {}): Promise<DatadogReceiver> {
  const apiKey = opts.apiKey ?? 'test-api-key';
  const now = opts.now ?? Date.now;
  const requests: DatadogRequest[] = [];
  const distributions = new Map<string, number[]>();
  const points = new Map<string, SeriesPoint[]>();

  const accept = (a: Accepted): void => {
    for (const [key, values] of a.distributions) {
      const list = distributions.get(key) ?? [];
      list.push(...values);
      distributions.set(key, list);
    }
    for (const [key, point] of a.points) {
      const list = points.get(key) ?? [];
      list.push(point);
      points.set(key, list);
    }
  };

  const respond = (r: DatadogRequest, res: ServerResponse, status: number, headers: Record<string, string>, body: string): void => {
    r.status = status;
    res.writeHead(status, headers);
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, wire: Buffer | undefined, wireBytes: number): void => {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    const method = req.method ?? '';
    const v = judge(method, path, req.headers, wire, wireBytes, apiKey, now());
    const r: DatadogRequest = {
      method,
      path,
      headers: req.headers,
      wireBytes,
      bodyBytes: v.bodyBytes,
      body: v.body,
      problems: v.problems,
      at: Date.now(),
    };
    requests.push(r);
    let answer: DatadogAnswer;
    try {
      answer = receiver.answer(r, requests.length - 1);
    } catch (err) {
      r.problems.push(`answer() threw: ${String((err as Error).message).slice(0, 200)}`);
      respond(r, res, 500, { 'content-type': 'text/plain' }, 'answer() threw');
      return;
    }
    if (answer === 'hang') return;
    if (answer === 'validate') {
      if (v.accepted !== undefined) accept(v.accepted);
      respond(r, res, v.status, { 'content-type': 'application/json' }, v.reply);
      return;
    }
    if (answer.status === 202 && v.accepted !== undefined) accept(v.accepted);
    respond(r, res, answer.status, answer.headers ?? {}, answer.body ?? '');
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let wireBytes = 0;
    // Past the limit the rest is counted and discarded, so the client still reads the 413.
    req.on('data', (c: Buffer) => {
      wireBytes += c.length;
      if (wireBytes <= MAX_WIRE_BYTES) chunks.push(c);
      else chunks.length = 0;
    });
    req.on('end', () => handle(req, res, wireBytes <= MAX_WIRE_BYTES ? Buffer.concat(chunks) : undefined, wireBytes));
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const receiver: DatadogReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    apiKey,
    requests,
    answer: () => 'validate',
    distributionValues: () => new Map([...distributions].map(([k, v]) => [k, [...v]])),
    seriesPoints: () => new Map([...points].map(([k, v]) => [k, v.map((p) => ({ ...p }))])),
    problems: () => requests.flatMap((r, i) => r.problems.map((p) => `#${i}: ${p}`)),
    reset: () => {
      requests.length = 0;
      distributions.clear();
      points.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

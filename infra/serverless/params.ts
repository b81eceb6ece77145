/**
 * Reads the deployment's params (config/params.yml, merged for the stage by Serverless) for
 * the generator, checking each one, so a typo fails `sls package` with the param's name
 * instead of producing a broken template.
 */
import { EmfFanoutError } from '../../shared/errors.ts';

/** What Serverless passes to a `${file(x.cjs):prop}` function. */
export interface ResolverContext {
  resolveVariable(address: string): Promise<unknown>;
  /** The CLI options; `param` holds the `--param key=value` entries. */
  options?: { param?: string | readonly string[] | null | undefined } | undefined;
}

export const PARAMS_FILE = 'config/params.yml, or the file named by EMF_FANOUT_PARAMS';

/** A param is missing, has the wrong type, or would break the deployed functions. */
export class ParamError extends EmfFanoutError {
  override readonly name = 'ParamError';
  constructor(
    readonly param: string,
    message: string,
    where: string = PARAMS_FILE,
  ) {
    super(`param "${param}" ${message} (${where})`, 'param_invalid');
    // A settings mistake, not a bug: Serverless prints `error.stack`, which should be the message alone.
    this.stack = `${this.name}: ${this.message}`;
  }
}

function checkInt(name: string, v: unknown, min: number, max: number, also: readonly number[], orElse = ''): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || ((n < min || n > max) && !also.includes(n))) {
    const range = max === Number.POSITIVE_INFINITY ? `of at least ${min}` : `from ${min} to ${max}`;
    const extra = also.length ? ` (or ${also.join(', ')})` : '';
    throw new ParamError(name, `must be an integer ${range}${extra}${orElse}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** A Lambda layer version ARN: `arn:<partition>:lambda:<region>:<12-digit account>:layer:<name>:<version>`. */
const LAYER_VERSION_ARN = /^arn:aws(?:-[a-z]+)*:lambda:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:layer:[A-Za-z0-9_-]{1,140}:[1-9]\d{0,9}$/;

/** Layers Lambda allows on one function. */
const MAX_LAYERS = 5;

/** A value for a message: a string quoted and cut at 200 characters, anything else by its type only. */
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Typed access to params; values are read once and cached. */
export class Params {
  private readonly cache = new Map<string, Promise<unknown>>();
  /**
   * @param known every param name the deployment may read (paramKeys.ts); reading any other name is a
   *   bug of the generator (the unknown-key check would call a user's setting of it a typo).
   */
  constructor(
    private readonly ctx: ResolverContext,
    private readonly known?: ReadonlySet<string>,
  ) {}

  private raw(name: string): Promise<unknown> {
    if (this.known && !this.known.has(name)) throw new Error(`the generator reads param "${name}", which is not listed in infra/serverless/paramKeys.ts`);
    let p = this.cache.get(name);
    if (!p) {
      // The `, null` fallback turns "not set" into null, so the error below can name the param.
      p = this.ctx.resolveVariable(`param:${name}, null`);
      this.cache.set(name, p);
    }
    return p;
  }

  /** The param's value; `fallback` when it is not set (null or absent), or a ParamError without one. */
  private async present(name: string, fallback?: unknown): Promise<unknown> {
    const v = await this.raw(name);
    if (v !== null && v !== undefined) return v;
    if (fallback !== undefined) return fallback;
    throw new ParamError(name, 'is not set');
  }

  /** @param opts.fallback the value when the param is not set (without it, a param that is not set is an error) */
  async string(name: string, opts: { allowEmpty?: boolean; oneOf?: readonly string[]; fallback?: string } = {}): Promise<string> {
    const v = await this.present(name, opts.fallback);
    if (typeof v !== 'string' && typeof v !== 'number') throw new ParamError(name, `must be a string, got ${JSON.stringify(v)}`);
    const s = String(v).trim();
    if (s === '' && !opts.allowEmpty) throw new ParamError(name, 'must not be empty');
    if (opts.oneOf && !opts.oneOf.includes(s)) throw new ParamError(name, `must be one of ${opts.oneOf.join(', ')}, got "${s}"`);
    return s;
  }

  /** A scalar as an environment variable's value ('' allowed: the function's default). */
  async scalar(name: string): Promise<string> {
    const v = await this.present(name);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new ParamError(name, `must be a string, number or boolean, got ${JSON.stringify(v)}`);
    return String(v).trim();
  }

  async int(name: string, min: number, max: number, also: readonly number[] = []): Promise<number> {
    return checkInt(name, await this.present(name), min, max, also);
  }

  /** An integer, or nothing when the param is unset, null or ''. */
  async optionalInt(name: string, min: number, max: number): Promise<number | undefined> {
    const v = await this.raw(name);
    if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) return undefined;
    return checkInt(name, v, min, max, [], " (or '' for none)");
  }

  /** @param fallback the value when the param is not set (without it, a param that is not set is an error) */
  async bool(name: string, fallback?: boolean): Promise<boolean> {
    const v = await this.present(name, fallback);
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new ParamError(name, `must be true or false, got ${JSON.stringify(v)}`);
  }

  /** A YAML list of strings (a comma-separated string is accepted too, e.g. from --param). */
  async list(name: string): Promise<string[]> {
    const v = await this.raw(name);
    if (v === null || v === undefined || v === '') return [];
    if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ParamError(name, 'must be a list of strings');
    return v.map((s: string) => s.trim()).filter((s) => s !== '');
  }

  /**
   * Lambda layer version ARNs (a YAML list; a comma-separated string from --param too): nothing when
   * unset, at most 5 (Lambda's limit), each `arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>`;
   * a bad entry is named `<name>[i]`.
   */
  async layerArns(name: string): Promise<string[]> {
    const v = await this.raw(name);
    if (v === null || v === undefined || v === '') return [];
    const items: unknown = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v;
    if (!Array.isArray(items)) throw new ParamError(name, `must be a list of Lambda layer version ARNs, got ${shown(v)}`);
    if (items.length > MAX_LAYERS) throw new ParamError(name, `must list at most ${MAX_LAYERS} layers (Lambda's limit per function), got ${items.length}`);
    return items.map((x: unknown, i: number) => {
      const arn = typeof x === 'string' ? x.trim() : x;
      if (typeof arn !== 'string' || !LAYER_VERSION_ARN.test(arn)) {
        throw new ParamError(`${name}[${i}]`, `must be a Lambda layer version ARN, arn:<partition>:lambda:<region>:<12-digit account>:layer:<name>:<version>, got ${shown(x)}`);
      }
      return arn;
    });
  }

  /** A YAML map whose values are scalars; values are returned as strings (environment variables). */
  async stringMap(name: string): Promise<Record<string, string>> {
    const v = await this.raw(name);
    if (v === null || v === undefined) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new ParamError(name, 'must be a map');
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (val === null || val === undefined) continue;
      if (typeof val !== 'string' && typeof val !== 'number' && typeof val !== 'boolean') {
        throw new ParamError(name, `entry "${k}" must be a string, number or boolean`);
      }
      out[k] = String(val);
    }
    return out;
  }

  /**
   * A YAML list of maps, passed on as they are for the function that reads them to check (a JSON array
   * from --param too): [] when unset; an item that is not a map is named `<name>[i]`.
   */
  async mapList(name: string): Promise<Record<string, unknown>[]> {
    const v = await this.raw(name);
    if (v === null || v === undefined || v === '') return [];
    let items: unknown = v;
    if (typeof v === 'string') {
      try {
        items = JSON.parse(v);
      } catch {
        throw new ParamError(name, `must be a list of maps, got ${shown(v)}`);
      }
    }
    if (!Array.isArray(items)) throw new ParamError(name, `must be a list of maps, got ${shown(v)}`);
    return items.map((x: unknown, i: number) => {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ParamError(`${name}[${i}]`, `must be a map, got ${shown(x)}`);
      return x as Record<string, unknown>;
    });
  }

  /**
   * Extra IAM statements for a function (e.g. `aps:RemoteWrite` on an Amazon Managed Prometheus
   * workspace). Optional; each must Allow named actions on named resources: no `*` in an
   * action, no bare `*` resource.
   */
  async statements(name: string): Promise<Record<string, unknown>[]> {
    const v = await this.raw(name);
    if (v === null || v === undefined) return [];
    if (!Array.isArray(v)) throw new ParamError(name, 'must be a list of IAM statements');
    return v.map((st: unknown, i: number) => {
      if (typeof st !== 'object' || st === null || Array.isArray(st)) throw new ParamError(name, `item ${i} must be a statement (Effect, Action, Resource)`);
      const s = st as Record<string, unknown>;
      const list = (x: unknown) => (Array.isArray(x) ? x : [x]);
      if (s.Effect !== 'Allow') throw new ParamError(name, `item ${i} must have Effect: Allow`);
      const actions = list(s.Action);
      if (actions.length === 0 || !actions.every((a) => typeof a === 'string' && /^[a-z0-9-]+:[A-Za-z0-9]+$/.test(a))) {
        throw new ParamError(name, `item ${i} must name its actions (service:Action, no "*"), got ${JSON.stringify(s.Action)}`);
      }
      const resources = list(s.Resource);
      if (resources.length === 0 || resources.some((r) => r === '*' || r === undefined)) {
        throw new ParamError(name, `item ${i} must name its resources (no bare "*"), got ${JSON.stringify(s.Resource)}`);
      }
      return { Effect: 'Allow', Action: s.Action, Resource: s.Resource };
    });
  }

  async service(): Promise<string> {
    return String(await this.ctx.resolveVariable('self:service'));
  }

  async stage(): Promise<string> {
    return String(await this.ctx.resolveVariable('sls:stage'));
  }
}

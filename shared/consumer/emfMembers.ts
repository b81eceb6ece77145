/**
 * The root members of an EMF document, read for `emfToGroups`: which are metric values and which
 * are properties, the dimension values of a set, the properties a datum carries. A key comes from
 * the document, so it is read and written as an own member only: it never reaches
 * `Object.prototype` (`constructor`, `__proto__`).
 */

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What this file reads of a directive: its metric definitions, as the document wrote them. */
type Definitions = { readonly definitions: readonly unknown[] };

/**
 * The root members that are properties unless a dimension set claims them: every member but `_aws`
 * and the metric members (a member named by any metric definition is a metric value, never a
 * property). Producers write the metric members in the order of their definitions (every document
 * of both producer libraries does), so one pass with a cursor over the definitions finds them
 * without hashing a name, and `memberValues` gets their values in definition order. Only when some
 * definition was not met in that order are the remaining members checked against every definition
 * (and `memberValues` is left empty).
 */
export function propertyKeysOf(root: Json, directives: readonly Definitions[], memberValues: unknown[]): string[] {
  const keys: string[] = [];
  let di = 0;
  let mi = 0;
  let definitions = 0;
  for (const d of directives) definitions += d.definitions.length;
  for (const k in root) {
    if (k === '_aws' || !Object.hasOwn(root, k)) continue;
    while (di < directives.length && mi >= directives[di]!.definitions.length) {
      di++;
      mi = 0;
    }
    if (di < directives.length) {
      const def = directives[di]!.definitions[mi];
      if (isObject(def) && def.Name === k) {
        mi++;
        memberValues.push(root[k]);
        continue;
      }
    }
    keys.push(k);
  }
  // Every definition met in order, each by a member of its own: no other member can be a metric member.
  if (memberValues.length === definitions) return keys;
  memberValues.length = 0; // not in definition order: the values are looked up by name instead
  // Documents define a handful of metrics, so a scan of the definitions is cheaper than a set, up to a point.
  const metricNames = definitions > SCAN_LIMIT ? metricNameSet(directives) : undefined;
  return keys.filter((k) => (metricNames === undefined ? !namesMetric(directives, k) : !metricNames.has(k)));
}

/** Past this many metric definitions in a document, metric members are looked up in a set. */
const SCAN_LIMIT = 16;

function namesMetric(directives: readonly Definitions[], k: string): boolean {
  for (const d of directives) {
    for (const def of d.definitions) if (isObject(def) && def.Name === k) return true;
  }
  return false;
}

function metricNameSet(directives: readonly Definitions[]): Set<string> {
  const names = new Set<string>();
  for (const d of directives) for (const def of d.definitions) if (isObject(def) && typeof def.Name === 'string') names.add(def.Name);
  return names;
}

/** The union of every set's dimensions whose value is a usable string (invalid values are left out). */
export function unionDimensions(root: Json, sets: readonly string[][]): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const set of sets) {
    for (const k of set) {
      const v = own(root, k);
      if (typeof v === 'string' && v !== '') setOwn(out, k, v);
    }
  }
  return out;
}

/** `root[k]` if `root` has it as its own member: a key from a document never reaches `Object.prototype` (`constructor`, `__proto__`). */
export function own(root: Json, k: string): unknown {
  return Object.hasOwn(root, k) ? root[k] : undefined;
}

/**
 * `obj[k] = v` for a key from a document: the key `__proto__` becomes an own member like any other,
 * instead of calling the prototype setter (which would drop a string value and let an object value
 * replace the prototype, so that `properties.Team` could read a value no member holds).
 */
export function setOwn<T>(obj: Record<string, T>, k: string, v: T): void {
  if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
}

/** A datum's properties: the property members (`propertyKeysOf`) but those its dimension set claims. */
export function propertiesOf(root: Json, propertyKeys: readonly string[], dimensionKeys: readonly string[]): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const k of propertyKeys) if (!dimensionKeys.includes(k)) setOwn(out, k, root[k]);
  return out;
}

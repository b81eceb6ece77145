/**
 * A tree keyed by (key, value) pairs, one pair per level, with a value per path: how providers find
 * what they built for a dimension set (a label set, a tag text) by its content, since every document
 * brings the same dimensions in new objects. A path is followed pair by pair, two map lookups each,
 * instead of joining the pairs into one string key to build and hash.
 *
 * @example
 * let node = tree;
 * for (const k in d.dimensions) node = node.child(k, d.dimensions[k]!);
 * const built = (node.value ??= build(d.dimensions));
 */
export class PairTree<T> {
  value: T | undefined;
  private next: Map<string, Map<string, PairTree<T>>> | undefined;

  /** The node one pair further on, made (without a value) the first time. */
  child(key: string, value: string): PairTree<T> {
    this.next ??= new Map();
    let byValue = this.next.get(key);
    if (byValue === undefined) {
      byValue = new Map();
      this.next.set(key, byValue);
    }
    let node = byValue.get(value);
    if (node === undefined) {
      node = new PairTree<T>();
      byValue.set(value, node);
    }
    return node;
  }
}

/**
 * The tags of a StatsD line and their text, per datum: global tags, source tags, allow-listed properties, then
 * the datum's dimensions (the dimension set's order). A key met again keeps its first position and takes the
 * later value, so a dimension beats a property, which beats a source or global tag.
 */
import { PairTree } from '../../../shared/consumer/PairTree.ts';
import type { DatumSource, MetricDatum } from '../../../shared/consumer/types.ts';
import { describeValue } from '../../../shared/describe.ts';
import type { Tally } from '../../../shared/tally.ts';
import type { SerialiseOptions } from './config.ts';
import type { SourceTag } from './constants.ts';
import { formatTag, sanitiseSegment, sanitiseTagKey, sanitiseTagValue } from './sanitise.ts';

/** One tag, sanitised and formatted for the style. */
interface Tag {
  /** The sanitised key: a key met again keeps its first position and takes the later value. */
  key: string;
  /** `key:value` (DogStatsD), `key=value` (Telegraf) or `.key.value` (StatsD, folded into the name). */
  text: string;
}

/**
 * How raw keys and values become tag parts, when not the style's own sanitising: the Datadog API
 * consumer lower-cases them and renames reserved keys (functions/consumers/datadog/tags.ts). Each
 * must return text the style's allow-list accepts.
 */
export interface TagNormaliser {
  key(raw: string): string;
  value(raw: string): string;
}

/** What the tag sets read of the settings. */
type TagOptions = Pick<SerialiseOptions, 'style' | 'globalTags' | 'sourceTags' | 'propertyTags'>;

/** The tags of a line, and their text. */
export interface TagSet {
  tags: Tag[];
  /** `|#k:v,…` (DogStatsD), `,k=v,…` (Telegraf), `.k.v…` (StatsD, sorted by key); '' for no tags. */
  text: string;
  /** UTF-8 bytes of `text` (tags may hold any Unicode letter). */
  bytes: number;
}

/** Adds `t` to `tags`, or puts it in the place of the tag of the same key. A line has few tags: a scan is enough. */
function putTag(tags: Tag[], t: Tag): void {
  for (let i = 0; i < tags.length; i++) {
    if (tags[i]!.key === t.key) {
      tags[i] = t;
      return;
    }
  }
  tags.push(t);
}

function byKey(a: Tag, b: Tag): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

const SOURCE_VALUE: Record<SourceTag, (d: MetricDatum) => string> = {
  namespace: (d) => d.namespace,
  account: (d) => d.source.account,
  region: (d) => d.source.region,
  log_group: (d) => d.source.logGroup,
  log_stream: (d) => d.source.logStream,
};

/**
 * Tag sets are kept in a `PairTree`: the root holds the global tags, and a set's children are the sets one raw
 * pair (source tag, property or dimension; key and value as the datum has them) further on. A dimension set is
 * found by looking its raw pairs up from the root, and its text is built the first time only: documents repeat
 * their dimension sets. At most 10,000 sets are kept (emptied when full, for hostile high-cardinality input).
 */
export class TagSets {
  private readonly key: (s: string) => string;
  private readonly value: (s: string) => string;
  // The tree of tag sets, and how many sets it holds beyond the root.
  private tree: PairTree<TagSet>;
  private count = 0;
  // One-entry memo of the tag set: data of one dimension set of one document share these objects.
  private lastDims: unknown;
  private lastProps: unknown;
  private lastSource: DatumSource | undefined;
  private lastNamespace = '';
  private last: TagSet;

  constructor(
    private readonly o: TagOptions,
    normalise?: TagNormaliser,
  ) {
    const folded = o.style === 'statsd';
    this.key = normalise?.key ?? (folded ? sanitiseSegment : sanitiseTagKey);
    this.value = normalise?.value ?? (folded ? sanitiseSegment : (s) => sanitiseTagValue(s, o.style));
    this.tree = this.rootTree();
    this.last = this.tree.value!;
  }

  /** The tag set of `d`: global tags, source tags, allow-listed properties, then its dimensions. */
  of(d: MetricDatum, notes: Tally): TagSet {
    if (d.dimensions === this.lastDims && d.properties === this.lastProps && d.source === this.lastSource && d.namespace === this.lastNamespace) {
      return this.last;
    }
    if (this.count >= 10_000) {
      this.tree = this.rootTree();
      this.count = 0;
    }
    let node = this.tree;
    for (const s of this.o.sourceTags) node = this.next(node, s, SOURCE_VALUE[s](d));
    for (const k of this.o.propertyTags) {
      if (!Object.hasOwn(d.properties, k)) continue;
      const raw = d.properties[k];
      if ((typeof raw === 'string' && raw !== '') || typeof raw === 'boolean' || (typeof raw === 'number' && Number.isFinite(raw))) {
        node = this.next(node, k, String(raw));
      } else {
        notes.add('property_tag_not_scalar', `property "${k}" of ${d.namespace}/${d.name} is ${describeValue(raw)}`);
      }
    }
    for (const k in d.dimensions) node = this.next(node, k, d.dimensions[k]!);
    const set = node.value!;
    this.lastDims = d.dimensions;
    this.lastProps = d.properties;
    this.lastSource = d.source;
    this.lastNamespace = d.namespace;
    this.last = set;
    return set;
  }

  /** The node of `node`'s tag set with one more raw pair; its set is built the first time. */
  private next(node: PairTree<TagSet>, rawKey: string, rawValue: string): PairTree<TagSet> {
    const next = node.child(rawKey, rawValue);
    if (next.value === undefined) {
      const tags = [...node.value!.tags];
      putTag(tags, this.tag(rawKey, rawValue));
      next.value = this.tagSet(tags);
      this.count++;
    }
    return next;
  }

  /** A new tree whose root holds the global tags alone. */
  private rootTree(): PairTree<TagSet> {
    const tags: Tag[] = [];
    for (const [k, v] of this.o.globalTags) putTag(tags, this.tag(k, v));
    const root = new PairTree<TagSet>();
    root.value = this.tagSet(tags);
    return root;
  }

  private tagSet(tags: Tag[]): TagSet {
    let text = '';
    if (tags.length > 0) {
      const style = this.o.style;
      if (style === 'statsd') text = [...tags].sort(byKey).map((t) => t.text).join('');
      else text = (style === 'dogstatsd' ? '|#' : ',') + tags.map((t) => t.text).join(',');
    }
    return { tags, text, bytes: Buffer.byteLength(text) };
  }

  private tag(rawKey: string, rawValue: string): Tag {
    const key = this.key(rawKey);
    const value = this.value(rawValue);
    return { key, text: this.o.style === 'statsd' ? `.${key}.${value}` : formatTag(key, value, this.o.style) };
  }
}

/**
 * Tags by Datadog's rules (https://docs.datadoghq.com/getting_started/tagging/#define-tags), on top of the
 * StatsD consumer's sanitising where the rules agree (functions/consumers/statsd/sanitise.ts: the same
 * allow-list, a key starts with a letter, `key:value` at most 200 characters, never ending in `:`):
 *
 * - lower case: Datadog lower-cases tags itself; doing it here means the series this consumer counts,
 *   splits and sizes are the ones Datadog stores (two dimension values differing only in case are one
 *   series in Datadog either way);
 * - reserved keys: `host`, `device` and `source` name where a metric comes from (Datadog bills a host as
 *   one), so a dimension or property with such a key becomes `exported_host`, `exported_device`,
 *   `exported_source`. `env`, `service` and `version` are unified service tagging and kept as they are:
 *   Powertools' `service` dimension becomes Datadog's `service` tag. The writer tag of the `series` mode
 *   is the consumer's alone, so a dimension with its key is renamed the same way.
 */
import type { TagNormaliser } from '../statsd/TagSets.ts';
import { sanitiseTagKey, sanitiseTagValue } from '../statsd/sanitise.ts';

const RESERVED_KEYS: readonly string[] = ['host', 'device', 'source'];

/**
 * @example
 * const n = datadogTags('emf_fanout_writer');
 * n.key('Host')         // 'exported_host'
 * n.value('EU-West-1')  // 'eu-west-1'
 */
export function datadogTags(writerTag: string): TagNormaliser {
  const reserved = new Set([...RESERVED_KEYS, writerTag]);
  return {
    key(raw) {
      const k = sanitiseTagKey(raw.toLowerCase());
      return reserved.has(k) ? `exported_${k}` : k;
    },
    value: (raw) => sanitiseTagValue(raw.toLowerCase(), 'dogstatsd'),
  };
}

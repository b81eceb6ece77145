/** The StatsD consumer's closed sets of settings and its size limits, as `as const` lists with derived unions. */

export const PROTOCOLS = ['udp', 'tcp', 'uds'] as const;
/** `udp` (default; no acknowledgement), `tcp` (newline-terminated stream), `uds` (Unix datagram socket, DogStatsD's default). */
export type Protocol = (typeof PROTOCOLS)[number];

export const STYLES = ['dogstatsd', 'telegraf', 'statsd'] as const;
/** Wire style: DogStatsD `|#k:v` tags, Telegraf `name,k=v:…` tags, or plain StatsD (tags folded into the name). */
export type Style = (typeof STYLES)[number];

export const STATSD_TYPES = ['counter', 'gauge', 'timing', 'histogram', 'distribution'] as const;
/** The StatsD metric types this consumer writes (`c`, `g`, `ms`, `h`, `d`). */
export type StatsdType = (typeof STATSD_TYPES)[number];

export const TIME_TYPES = ['timing', 'distribution', 'histogram'] as const;
export type TimeType = (typeof TIME_TYPES)[number];

export const VALUE_TYPES = ['gauge', 'histogram', 'distribution'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export const SOURCE_TAGS = ['namespace', 'account', 'region', 'log_group', 'log_stream'] as const;
/** Opt-in tags describing where a datum came from (same names as the Prometheus consumer's source labels). */
export type SourceTag = (typeof SOURCE_TAGS)[number];

export const SAMPLE_COUNT_MODES = ['rate', 'repeat'] as const;
/** How a value observed n times is sent: one line with `|@1/n`, or n lines. */
export type SampleCountMode = (typeof SAMPLE_COUNT_MODES)[number];

/** Datadog's UDP guidance: fits an Ethernet MTU of 1500 without fragmentation. */
export const NETWORK_DATAGRAM_BYTES = 1432;
/** Datadog Agent's `dogstatsd_buffer_size` default and hot-shots' UDS cap: safe on loopback and UDS. */
export const LOCAL_DATAGRAM_BYTES = 8192;
/** Where the Datadog Agent listens by default (DogStatsD over UDS is `unix_dgram`). */
export const DEFAULT_SOCKET_PATH = '/var/run/datadog/dsd.socket';


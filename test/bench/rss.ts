/**
 * Child process of the bench: processes one large batch through the forwarder's pure path and reports
 * its peak resident set size, so the number is not polluted by the rest of the bench.
 * Usage: tsx test/bench/rss.ts <file with one subscription event as JSON>
 */
import { readFileSync } from 'node:fs';
import { forwarderOnce } from './forwarder.ts';
import type { BenchBatch } from './corpus.ts';

const batch = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as BenchBatch;
const baseline = process.memoryUsage().rss;
const documents = forwarderOnce([batch], { compression: 'brotli', platformMetrics: true });
process.stdout.write(JSON.stringify({ documents, baselineRssBytes: baseline, peakRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\n');

// Upload throughput and peak JS heap in Debian Chromium, page and sink on different loopback
// origins (so every part PUT pays its CORS preflight, as against S3), configurations interleaved
// round by round (A B A B) so that ratios compare like with like on a noisy machine.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type CDPSession, type Page, type Request } from 'playwright-core';
import { viteBuild } from './payload.ts';
import { startSink, type Sink } from './sink.ts';
import { serveStatic } from './static.ts';
import { launchOptions } from './browser.ts';

const MiB = 1024 * 1024;

export interface UploadConfig {
  id: string;
  label: string;
  kind: 'sessionbox' | 'raw' | 'single' | 'uppy';
  transport?: 'sdk' | 'fetch';
  partSize?: number;
  parallel?: number;
  /** Per-part CRC32 beside each PUT: under the engine's speed threshold (true) or at any speed ('always'). */
  checksum?: boolean | 'always';
  /** Part size = the file split into `parallel` equal parts (MiB-rounded). */
  evenParts?: boolean;
}

export interface UploadSample {
  ms: number;
  peakHeap: number;
  baseHeap: number;
  preflights: number;
  requests: number;
  ops: Record<string, number>;
}

export interface UploadResults {
  size: number;
  configs: UploadConfig[];
  samples: Record<string, UploadSample[]>;
  defaults: { partSize: number; parallelParts: number };
  /** Runs that failed once and were repeated, with the reason. */
  repeated: string[];
}

export function uploadConfigs(quick: boolean, defaults: { partSize: number; parallelParts: number }, tune = false): UploadConfig[] {
  const sb = `${defaults.partSize / MiB} MiB x ${defaults.parallelParts}`;
  const list: UploadConfig[] = [
    { id: 'sb-app', label: `sessionbox engine as the app uploads: signed fetch, part CRC32 below 64 MiB/s (${sb})`, kind: 'sessionbox', transport: 'fetch', checksum: true },
    { id: 'sb-widget', label: `sessionbox engine as the widget uploads: signed fetch (${sb})`, kind: 'sessionbox', transport: 'fetch', checksum: false },
    { id: 'raw-16x6', label: 'raw fetch PUTs, 16 MiB x 6', kind: 'raw', partSize: 16 * MiB, parallel: 6 },
    { id: 'raw-8x6', label: 'raw fetch PUTs, 8 MiB x 6', kind: 'raw', partSize: 8 * MiB, parallel: 6 },
    { id: 'single', label: 'raw fetch, one PUT of the whole file', kind: 'single' },
    { id: 'uppy', label: 'Uppy @uppy/aws-s3, default parts', kind: 'uppy' },
  ];
  if (!quick) {
    list.splice(4, 0, { id: 'raw-32x6', label: 'raw fetch PUTs, 32 MiB x 6', kind: 'raw', partSize: 32 * MiB, parallel: 6 });
    list.push({ id: 'uppy-16', label: 'Uppy @uppy/aws-s3, 16 MiB parts', kind: 'uppy', partSize: 16 * MiB });
  }
  if (tune) {
    // For choosing the defaults: the engine with other part sizes and parallelism.
    for (const [mb, n] of [[8, 6], [32, 6], [16, 4], [16, 8]] as const) {
      list.push({ id: `sb-fetch-${mb}x${n}`, label: `sessionbox engine, fetch transport, ${mb} MiB x ${n}`, kind: 'sessionbox', transport: 'fetch', partSize: mb * MiB, parallel: n });
    }
    // The AWS SDK's transport (sdkTransport), which the app used for uploads before.
    list.push({ id: 'sb-sdk', label: 'sessionbox engine, SDK transport, part CRC32 below 64 MiB/s', kind: 'sessionbox', transport: 'sdk', checksum: true });
    list.push({ id: 'sb-sdk-nocrc', label: 'sessionbox engine, SDK transport without part CRC32', kind: 'sessionbox', transport: 'sdk', checksum: false });
    // What the CRC32 costs where the CPU is the bottleneck, if it ran at any speed.
    list.push({ id: 'sb-app-crc-always', label: 'sessionbox engine, signed fetch, part CRC32 at any speed', kind: 'sessionbox', transport: 'fetch', checksum: 'always' });
    // Parts of a sixth of the file each: one wave, no tail.
    list.push({ id: 'raw-even6', label: 'raw fetch PUTs, 6 equal parts at once', kind: 'raw', evenParts: true, parallel: 6 });
    list.push({ id: 'sb-fetch-even6', label: 'sessionbox engine, fetch transport, 6 equal parts', kind: 'sessionbox', transport: 'fetch', evenParts: true, parallel: 6 });
    list.push({ id: 'raw-64x6', label: 'raw fetch PUTs, 64 MiB x 6', kind: 'raw', partSize: 64 * MiB, parallel: 6 });
  }
  return list;
}

async function heapSampler(cdp: CDPSession): Promise<{ stop(): Promise<number>; base: number }> {
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
  };
  const base = await read();
  let peak = base;
  let stopped = false;
  // A page that dies mid-upload must surface as the upload's own error, not as an unhandled
  // rejection of this loop that kills the process.
  let failure: unknown;
  const loop = (async () => {
    while (!stopped) {
      try {
        peak = Math.max(peak, await read());
      } catch (err) {
        failure = err;
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    base,
    async stop() {
      stopped = true;
      await loop;
      if (failure) throw failure;
      peak = Math.max(peak, await read());
      return peak;
    },
  };
}

async function runOne(page: Page, cdp: CDPSession, sink: Sink, config: UploadConfig, size: number): Promise<UploadSample> {
  const c = config.evenParts ? { ...config, partSize: Math.ceil(size / (config.parallel ?? 6) / MiB) * MiB } : config;
  await cdp.send('HeapProfiler.collectGarbage');
  sink.reset();
  const sampler = await heapSampler(cdp);
  const failed: string[] = [];
  const onFailed = (r: Request) => failed.push(`${r.method()} ${r.url().replace(/\?.*/, '')}${r.url().includes('?') ? '?' + new URL(r.url()).searchParams.toString().slice(0, 60) : ''}: ${r.failure()?.errorText ?? 'failed'}`);
  page.on('requestfailed', onFailed);
  const ms = await page.evaluate(
    ([c, url]) => {
      const b = (window as unknown as { bench: Record<string, (...a: unknown[]) => Promise<number>> }).bench;
      if (c.kind === 'sessionbox') return b.sessionbox!(url, { transport: c.transport, partSize: c.partSize, parallelParts: c.parallel, checksum: c.checksum ?? false });
      if (c.kind === 'raw') return b.raw!(url, { partSize: c.partSize, parallel: c.parallel });
      if (c.kind === 'single') return b.single!(url);
      return b.uppy!(url, { partSize: c.partSize });
    },
    [c, sink.url] as const,
  ).catch((err: unknown) => {
    // Chromium's own reason (net::ERR_…) says more than the page's "Failed to fetch".
    throw new Error(`${c.label}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}${failed.length ? `; failed requests: ${failed.slice(0, 3).join(', ')}` : ''}`);
  }).finally(() => page.off('requestfailed', onFailed));
  const peak = await sampler.stop();
  const counts = sink.counts;
  if (counts.signedPayloads) throw new Error(`${c.label}: ${counts.signedPayloads} part or object PUTs carried a payload hash, so the browser read their bytes into JS to sign them`);
  if (counts.errors.length) throw new Error(`${c.label}: sink saw errors: ${counts.errors.join('; ')}`);
  if (counts.bytes !== size) throw new Error(`${c.label}: sink received ${counts.bytes} bytes, expected ${size}`);
  if (c.kind !== 'raw' && counts.completed.at(-1) !== size) throw new Error(`${c.label}: no complete object of ${size} bytes (${counts.completed.join(',')})`);
  const requests = Object.values(counts.ops).reduce((a, b) => a + b, 0);
  return { ms, peakHeap: peak, baseHeap: sampler.base, preflights: counts.preflights, requests, ops: { ...counts.ops } };
}

export async function uploadBench(opts: { size: number; rounds: number; quick: boolean; tune?: boolean; only?: string[]; log: (s: string) => void }): Promise<UploadResults> {
  const pageDir = await mkdtemp(join(tmpdir(), 'sessionbox-bench-page-'));
  const profile = await mkdtemp(join(tmpdir(), 'sessionbox-bench-profile-'));
  const entry = join(dirname(new URL(import.meta.url).pathname), 'entries', 'upload');
  await viteBuild({ root: entry, configFile: false, base: './', publicDir: false, build: { outDir: pageDir, emptyOutDir: true, target: 'es2022', sourcemap: false } });
  const [sink, site] = await Promise.all([startSink(), serveStatic(pageDir)]);
  // Persistent: an off-the-record context keeps Blobs in memory, broken above ~500 MB.
  const context = await chromium.launchPersistentContext(profile, launchOptions);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(600_000);
    await page.goto(site.url);
    await page.waitForSelector('body[data-ready=true]');
    const defaults = await page.evaluate(() => (window as unknown as { bench: { defaults: { partSize: number; parallelParts: number } } }).bench.defaults);
    const configs = uploadConfigs(opts.quick, defaults, opts.tune).filter((c) => !opts.only || opts.only.includes(c.id));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const made = await page.evaluate((n) => (window as unknown as { bench: { makeBlob(n: number): Promise<{ size: number; attempts: number }> } }).bench.makeBlob(n), opts.size);
    const size = made.size;
    if (made.attempts > 1) opts.log(`  the ${size}-byte Blob needed ${made.attempts} attempts to build (Chromium gave up on the first)`);
    // Untimed: Chromium moves a big Blob to disk during its first read.
    const warm = await runOne(page, cdp, sink, uploadConfigs(true, defaults).find((c) => c.id === 'raw-16x6')!, size);
    opts.log(`  warm-up upload ${(warm.ms / 1000).toFixed(1)} s`);
    const samples: Record<string, UploadSample[]> = {};
    const repeated: string[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      // Rotated each round, so no configuration always runs first (just after the GC) or last.
      for (const c of [...configs.slice(r % configs.length), ...configs.slice(0, r % configs.length)]) {
        let s: UploadSample;
        try {
          s = await runOne(page, cdp, sink, c, size);
        } catch (err) {
          // One repeat, reported: a single transient failure on a shared machine should not
          // cost the whole run, and a repeatable one still stops it.
          opts.log(`  round ${r + 1} ${c.label}: FAILED, repeating once: ${err instanceof Error ? err.message : String(err)}`);
          repeated.push(`${c.label}, round ${r + 1}: ${err instanceof Error ? err.message : String(err)}`);
          s = await runOne(page, cdp, sink, c, size);
        }
        (samples[c.id] ??= []).push(s);
        opts.log(`  round ${r + 1} ${c.label}: ${(s.ms / 1000).toFixed(2)} s, heap peak ${(s.peakHeap / MiB).toFixed(1)} MiB, ${s.preflights} preflights`);
      }
    }
    return { size, configs, samples, defaults, repeated };
  } finally {
    await context.close();
    await Promise.all([sink.close(), site.close()]);
    await Promise.all([rm(profile, { recursive: true, force: true }), rm(pageDir, { recursive: true, force: true })]);
  }
}

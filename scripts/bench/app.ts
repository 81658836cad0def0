// The built app against the local AWS emulation over real HTTP (page and emulation on different
// origins, as in production): requests before the first listing, a 100,000-object folder, and
// deleting a folder of 10,000 objects. A counting proxy in front of the emulation sees every
// request, preflights included (the emulation's own log is capped and skips OPTIONS).

import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { createEmulator, type Emulator } from '../../src/mocks/emulator.ts';
import { serveEmulator } from '../../src/mocks/http.ts';
import { launchOptions } from './browser.ts';
import { serveStatic } from './static.ts';
import { FIRST_LISTING_MARK } from '../../src/app/marks.ts';

const BUCKET = 'sessionbox-bench';
const POOL = 'us-east-1:0be00000-0000-4000-8000-000000000007';
const ROWS = '[role=grid] [role=row][aria-rowindex]:not([aria-rowindex="1"])';

export interface AppResults {
  startup?: { first: Record<string, number>; reload: Record<string, number>; firstTotal: number; reloadTotal: number; firstPreflights: number; reloadPreflights: number; loadedJsGzip: number; loadedFiles: number; loadedBreakdown: Array<[string, number]> };
  listing?: { objects: number; firstRowsMs: number; listRequests: number; allLoadedMs: number; rowsInDom: number; maxRowsWhileScrolling: number; frames: { p50: number; p95: number; max: number; n: number } };
  deletion?: { objects: number; ops: Record<string, number>; deleteObjects: number; listPages: number; total: number; ms: number };
  errors: string[];
}

interface Counter {
  ops: Record<string, number>;
  total(): number;
  reset(): void;
}

function classify(method: string, url: URL, target: string | undefined): string {
  if (method === 'OPTIONS') return 'preflight';
  if (target) return target.split('.').pop() ?? target;
  const q = url.searchParams;
  if (method === 'GET' && q.get('list-type') === '2') return 'ListObjectsV2';
  if (method === 'POST' && q.has('delete')) return 'DeleteObjects';
  if (method === 'DELETE') return 'DeleteObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'GET') return 'GetObject';
  return `${method}`;
}

async function countingProxy(emulator: Emulator, target: string): Promise<{ url: string; counter: Counter; close(): Promise<void> }> {
  const counter: Counter = {
    ops: {},
    total() {
      return Object.entries(this.ops).reduce((a, [k, v]) => (k === 'preflight' ? a : a + v), 0);
    },
    reset() {
      this.ops = {};
    },
  };
  const up = new URL(target);
  const server = createServer((req, res) => {
    const op = classify(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x'), req.headers['x-amz-target'] as string | undefined);
    counter.ops[op] = (counter.ops[op] ?? 0) + 1;
    const fwd = httpRequest({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emulator.addEndpoint(url);
  return {
    url,
    counter,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function seed(emulator: Emulator, prefix: string, n: number): Promise<void> {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const body = new Blob(['x']);
  for (let i = 0; i < n; i++) {
    await emulator.store.put(
      BUCKET,
      { key: `${prefix}file-${String(i).padStart(6, '0')}.bin`, size: 1, etag: '"9dd4e461268c8034f5c8564e155c67a6"', lastModified: now, contentType: 'application/octet-stream', headers: {}, metadata: {} },
      body,
    );
  }
}

/** Waits for the first listing: rows, or the empty-folder message. */
async function listingShown(page: Page): Promise<void> {
  await page.locator(ROWS).first().or(page.getByText('This folder is empty')).first().waitFor({ timeout: 60_000 });
}

/** Waits until no `op` request has arrived for quietMs; returns when the last one arrived. */
async function settle(counter: Counter, op: string, quietMs: number, maxMs: number): Promise<number> {
  const end = Date.now() + maxMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < end) {
    const n = counter.ops[op] ?? 0;
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return since;
    await new Promise((r) => setTimeout(r, 50));
  }
  return since;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

export async function appBench(opts: { appDir: string; listObjects: number; deleteObjects: number; log: (s: string) => void }): Promise<AppResults> {
  const out: AppResults = { errors: [] };
  const emulator = createEmulator({ region: 'us-east-1', buckets: [BUCKET], identityPoolId: POOL, corsOrigins: ['*'] });
  const served = await serveEmulator(emulator, { port: 0, host: '127.0.0.1' });
  const proxy = await countingProxy(emulator, served.url);
  await writeFile(
    join(opts.appDir, 'config.json'),
    JSON.stringify({ mode: 'aws', region: 'us-east-1', bucket: BUCKET, identityPoolId: POOL, endpoints: { s3: proxy.url, cognitoIdentity: proxy.url, forcePathStyle: true } }),
  );
  const site = await serveStatic(opts.appDir);
  const browser = await chromium.launch(launchOptions);
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // tsx compiles with keepNames: functions passed to page.evaluate call a __name helper the page lacks.
    await context.addInitScript('globalThis.__name = (f) => f;');
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);

    // Start-up.
    try {
      proxy.counter.reset();
      await page.goto(site.url);
      await listingShown(page);
      const first = { ...proxy.counter.ops };
      const firstTotal = proxy.counter.total();
      // Files whose request started before the app marked its first listing: what the person
      // waited for. (The app loads the AWS SDK just after, for uploads and downloads.)
      const before = await page.evaluate((mark) => {
        const at = performance.getEntriesByName(mark)[0]?.startTime;
        if (at === undefined) return undefined;
        return performance
          .getEntriesByType('resource')
          .filter((e) => e.startTime < at && new URL(e.name).origin === location.origin && /\.(js|css)$/.test(new URL(e.name).pathname))
          .map((e) => new URL(e.name).pathname.slice(1));
      }, FIRST_LISTING_MARK);
      if (!before) throw new Error(`the app set no performance mark ${FIRST_LISTING_MARK}`);
      const index = await readFile(join(opts.appDir, 'index.html'), 'utf8');
      const entryFiles = [...index.matchAll(/(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
      let loadedJsGzip = 0;
      const loadedBreakdown: Array<[string, number]> = [];
      // index.html's own scripts and styles may not show as resource entries when cached or inlined.
      for (const f of new Set([...entryFiles, ...before])) {
        const n = gzipSync(await readFile(join(opts.appDir, f)), { level: 9 }).length;
        loadedBreakdown.push([f, n]);
        loadedJsGzip += n;
      }
      loadedBreakdown.sort((a, b) => b[1] - a[1]);
      const loadedFiles = loadedBreakdown.length;
      proxy.counter.reset();
      await page.reload();
      await listingShown(page);
      const reload = { ...proxy.counter.ops };
      out.startup = { first, reload, firstTotal, reloadTotal: proxy.counter.total(), firstPreflights: first.preflight ?? 0, reloadPreflights: reload.preflight ?? 0, loadedJsGzip, loadedFiles, loadedBreakdown };
      opts.log(`  fetched before the first listing (gzip): ${loadedBreakdown.map(([f, n]) => `${f} ${n}`).join(', ')}`);
      opts.log(`  start-up: first visit ${JSON.stringify(first)}, reload ${JSON.stringify(reload)}`);
    } catch (err) {
      out.errors.push(`start-up: ${(err as Error).message.split('\n')[0]}`);
    }

    const identityId = await page.evaluate(() => Object.values(localStorage).find((v) => /^us-east-1:/.test(v))).catch(() => undefined);
    if (!identityId) {
      out.errors.push('no identity id cached in localStorage after the first visit; listing and delete not measured');
      return out;
    }
    const home = `uploads/${identityId}/`;

    // Listing.
    try {
      let t = Date.now();
      await seed(emulator, `${home}big/`, opts.listObjects);
      opts.log(`  seeded ${opts.listObjects} objects in ${Date.now() - t} ms`);
      proxy.counter.reset();
      t = Date.now();
      const firstRowsMs = await page.evaluate(
        (sel) =>
          new Promise<number>((resolve) => {
            const t0 = performance.now();
            location.hash = '#/big/';
            const poll = () => {
              const r = document.querySelector(sel);
              if (r && r.textContent?.includes('file-')) resolve(performance.now() - t0);
              else requestAnimationFrame(poll);
            };
            poll();
          }),
        ROWS,
      );
      const allLoadedMs = (await settle(proxy.counter, 'ListObjectsV2', 2000, 240_000)) - t;
      const listRequests = proxy.counter.ops.ListObjectsV2 ?? 0;
      const rowsInDom = await page.locator('[role=row]').count();
      const scroll = await page.evaluate(async (sel) => {
        const grid = document.querySelector('[role=grid]');
        const candidates = [...(grid?.querySelectorAll<HTMLElement>('*') ?? []), ...(grid ? [grid as HTMLElement] : [])];
        const scroller = candidates.filter((e) => e.scrollHeight > e.clientHeight + 100).sort((a, b) => b.scrollHeight - a.scrollHeight)[0] ?? (document.scrollingElement as HTMLElement);
        const frames: number[] = [];
        let maxRows = 0;
        let last = await new Promise<number>((r) => requestAnimationFrame(r));
        for (let i = 0; i < 240; i++) {
          // Steady wheel-like scrolling, then jumps like dragging the scrollbar.
          if (i < 180) scroller.scrollTop += 240;
          else scroller.scrollTop = ((i * 7919) % 997) / 997 * (scroller.scrollHeight - scroller.clientHeight);
          const now = await new Promise<number>((r) => requestAnimationFrame(r));
          frames.push(now - last);
          last = now;
          maxRows = Math.max(maxRows, document.querySelectorAll('[role=row]').length);
        }
        void sel;
        return { frames, maxRows, scrollHeight: scroller.scrollHeight };
      }, ROWS);
      out.listing = {
        objects: opts.listObjects,
        firstRowsMs,
        listRequests,
        allLoadedMs,
        rowsInDom,
        maxRowsWhileScrolling: scroll.maxRows,
        frames: { p50: pct(scroll.frames, 50), p95: pct(scroll.frames, 95), max: Math.max(...scroll.frames), n: scroll.frames.length },
      };
      opts.log(`  listing: ${JSON.stringify(out.listing)}`);
    } catch (err) {
      out.errors.push(`listing: ${(err as Error).message.split('\n')[0]}`);
    }

    // Delete a folder.
    try {
      await seed(emulator, `${home}del/`, opts.deleteObjects);
      await page.evaluate(() => (location.hash = '#/'));
      const row = page.locator('[role=row]').filter({ has: page.getByText('del', { exact: true }) });
      await row.waitFor();
      await row.getByRole('checkbox').check();
      await page.getByRole('toolbar').getByRole('button', { name: 'Delete' }).click();
      const dialog = page.getByRole('dialog', { name: /^Delete/ });
      await dialog.waitFor();
      proxy.counter.reset();
      const t = Date.now();
      await dialog.getByRole('button', { name: /^Delete/ }).click();
      const last = `${home}del/file-${String(opts.deleteObjects - 1).padStart(6, '0')}.bin`;
      const end = Date.now() + 120_000;
      while (emulator.store.head(BUCKET, last) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      if (emulator.store.head(BUCKET, last)) throw new Error('the folder was not deleted within 120 s');
      const ms = Date.now() - t;
      await new Promise((r) => setTimeout(r, 1000));
      const ops = { ...proxy.counter.ops };
      out.deletion = { objects: opts.deleteObjects, ops, deleteObjects: ops.DeleteObjects ?? 0, listPages: ops.ListObjectsV2 ?? 0, total: proxy.counter.total(), ms };
      opts.log(`  delete: ${JSON.stringify(out.deletion)}`);
    } catch (err) {
      out.errors.push(`delete: ${(err as Error).message.split('\n')[0]}`);
    }
    return out;
  } finally {
    await browser.close();
    await Promise.all([site.close(), proxy.close(), served.close()]);
  }
}

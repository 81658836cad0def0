// Shared pieces for the real-browser tests: Debian's Chromium through playwright-core, the app
// served by Vite exactly as `npm start` / `vite build` + a static host would, and byte helpers.

import { get } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Download, type Page } from 'playwright-core';
import { build, createServer, preview, type InlineConfig, type Plugin } from 'vite';
import { inject } from 'vitest';
import type { DemoHooks } from '../../src/demo/start.ts';
import type { SharedBuild } from './shared-services.ts';
import { limit } from './limits.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Flags from /work/shared/chromium.md: without the networking ones Chromium dials hosts it cannot reach. */
export const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

/**
 * Asks the run's shared services (tests/support/shared-services.ts) for one of them; undefined when
 * this process was not started by Vitest with them (a script, or a project without that setup).
 */
function shared<T>(what: '/browser' | '/dev-server' | '/build'): Promise<T | undefined> {
  let base: string | undefined;
  try {
    base = inject('sharedServices');
  } catch {
    base = undefined;
  }
  if (!base) return Promise.resolve(undefined);
  // node:http rather than fetch: a cold build under load can outlast fetch's 300 s header timeout.
  return new Promise((resolve, reject) => {
    get(`${base}${what}`, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as T) : reject(new Error(`shared ${what}: ${body}`))));
    }).on('error', reject);
  });
}

/** The run's shared Chromium (closing it only disconnects this file), or a browser of its own. */
export async function launchBrowser(): Promise<Browser> {
  const server = await shared<{ wsEndpoint: string }>('/browser');
  return server ? chromium.connect(server.wsEndpoint) : chromium.launch(launchOptions);
}

/**
 * A fresh context and page. English unless `locale` says otherwise: the tests find controls by their
 * English names, and Chromium would otherwise take the machine's language.
 */
export async function newPage(
  browser: Browser,
  opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark'; locale?: string; bypassCSP?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: opts.width ?? 1100, height: opts.height ?? 760 },
    colorScheme: opts.colorScheme ?? 'light',
    locale: opts.locale ?? 'en-US',
    bypassCSP: opts.bypassCSP ?? false,
  });
  const page = await context.newPage();
  // Limits, not evidence: on a loaded 2-core machine a first navigation can take many seconds.
  page.setDefaultTimeout(limit(30_000));
  page.setDefaultNavigationTimeout(limit(60_000));
  return { context, page };
}

/**
 * Takes Chromium's File System Access picker away, as in browsers without one, so "Upload files"
 * opens the <input type=file> that Playwright can answer. (Playwright's file-chooser interception
 * cancels the picker, which headless Chromium could not show anyway.)
 */
export async function withoutFilePicker(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    delete (window as { showOpenFilePicker?: unknown }).showOpenFilePicker;
  });
}

export interface Served {
  url: string;
  close(): Promise<void>;
}

const quiet: InlineConfig = { root, logLevel: 'silent', clearScreen: false };

/**
 * Vite's dev server, as `npm start` runs it (demo mode, src/demo/public/config.json): the run's shared,
 * warmed one where there is one (closing it is then a no-op), else one of its own.
 */
export async function startDevServer(): Promise<Served> {
  const server = await shared<{ url: string }>('/dev-server');
  return server ? { url: server.url, close: async () => {} } : createDevServer();
}

/** A dev server of its own, optimizing into a dependency cache of its own. */
export async function createDevServer(): Promise<Served> {
  // Test files run in parallel, each with its own dev server: a shared dependency cache would be
  // written by several optimizers at once on a fresh clone, and a page could load deps another
  // server is replacing. Each server optimizes into a cache of its own.
  const cacheDir = await mkdtemp(join(tmpdir(), 'sessionbox-vite-'));
  const server = await createServer({
    ...quiet,
    cacheDir,
    // Found only when a zip is first made (a lazy chunk); discovered then, Vite would re-bundle its
    // dependencies under the running page, which then mixes two copies of Svelte.
    optimizeDeps: { include: ['client-zip'] },
    server: {
      host: '127.0.0.1',
      port: 0,
      strictPort: false,
      // Nothing may reload the page under a running test: not edits elsewhere in the tree, not a
      // late dependency re-optimisation (both arrive over the HMR WebSocket).
      watch: null,
      hmr: false,
      ws: false,
    },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('Vite dev server did not report its URL');
  return {
    url,
    close: async () => {
      await server.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

export interface BuiltChunk {
  fileName: string;
  moduleIds: string[];
  isEntry: boolean;
  isDynamicEntry: boolean;
}

/**
 * The production build every browser test file shares (built once per run). Read-only: a test serves
 * its own config.json through startPreview's `config` instead of writing into it.
 */
export async function builtApp(): Promise<SharedBuild> {
  const build = await shared<SharedBuild>('/build');
  if (build) return build;
  const outDir = await mkdtemp(join(tmpdir(), 'sessionbox-dist-'));
  return { outDir, chunks: await buildApp(outDir) };
}

/**
 * `vite build` into outDir (`npm run build`, or `npm run build:demo` with mode 'demo'); returns the
 * JS chunks with the modules each contains.
 */
export async function buildApp(outDir: string, mode: 'production' | 'demo' = 'production'): Promise<BuiltChunk[]> {
  // Vitest sets NODE_ENV=test, which would make Vite and Svelte emit a development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({ ...quiet, mode, build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  const outputs = (Array.isArray(result) ? result : [result]) as Array<{ output?: unknown[] }>;
  const chunks: BuiltChunk[] = [];
  for (const out of outputs) {
    for (const item of (out.output ?? []) as Array<Record<string, unknown>>) {
      if (item.type !== 'chunk') continue;
      chunks.push({
        fileName: item.fileName as string,
        moduleIds: (item.moduleIds as string[] | undefined) ?? Object.keys((item.modules as object | undefined) ?? {}),
        isEntry: Boolean(item.isEntry),
        isDynamicEntry: Boolean(item.isDynamicEntry),
      });
    }
  }
  return chunks;
}

/** A port that was free a moment ago (for servers whose URL must be known before they start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * `vite preview` of a build: a plain static host for dist/. `config` is served as the deployment's
 * config.json (the build itself is shared and stays untouched).
 */
export async function startPreview(
  outDir: string,
  port: number,
  opts: { headers?: Record<string, string>; base?: string; config?: unknown } = {},
): Promise<Served> {
  const headers = opts.headers ?? {};
  const server = await preview({
    ...quiet,
    plugins: opts.config === undefined ? [] : [serveConfig(opts.config, headers)],
    // Where the host mounts the build; the build itself uses relative URLs.
    base: opts.base ?? '/',
    build: { outDir },
    preview: { host: '127.0.0.1', port, strictPort: true, open: false, headers },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('Vite preview did not report its URL');
  return { url, close: () => server.close() };
}

function serveConfig(config: unknown, headers: Record<string, string>): Plugin {
  const body = JSON.stringify(config);
  return {
    name: 'sessionbox-test-config',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!req.url?.split('?')[0]?.endsWith('/config.json')) return next();
        res.writeHead(200, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(body);
      });
    },
  };
}

/** Deterministic bytes that are not all alike, so truncation or reordering shows in a compare. */
export function bytes(size: number, seed = 1): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

export async function downloadedBytes(download: Download): Promise<Buffer> {
  const failure = await download.failure();
  if (failure) throw new Error(`download of ${download.suggestedFilename()} failed: ${failure}`);
  // A stream, not path(): the shared browser is connected remotely, where path() is not available.
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every URL the page (and its workers) asks for, in order. */
export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (req) => urls.push(req.url()));
  return urls;
}

const tempDirs: string[] = [];

/**
 * Writes `data` to a temporary file for setInputFiles: a path reaches the browser directly, where a
 * buffer is sent base64-encoded over the DevTools protocol (seconds for 20 MiB). The browser reads
 * the file while uploading, so it stays until removeTempFiles().
 */
export async function tempFile(name: string, data: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionbox-upload-'));
  tempDirs.push(dir);
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

export async function removeTempFiles(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * A CSP as strict as a production host should send: no inline code, no eval, AWS calls only to
 * `connect`. Previews and thumbnails load presigned URLs from S3's origin, which `media` allows for
 * images, audio/video and the PDF <object> (and blob: for the demo's PDF, fetched via the worker).
 */
export function strictCsp(connect: string[], media: string[] = []): string {
  const from = media.length ? ` ${media.join(' ')}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self'${from}`,
    ...(media.length ? [`media-src${from}`, `object-src${from} blob:`, `frame-src${from} blob:`] : []),
    `connect-src 'self' ${connect.join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Collects CSP violations in the page (the init script runs outside the page's CSP). */
export async function watchCsp(context: BrowserContext): Promise<(page: Page) => Promise<string[]>> {
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return (page) => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
}

/** The listing's row for an entry, found by its exact name. */
export function row(page: Page, name: string) {
  return page.getByRole('row').filter({ has: page.getByText(name, { exact: true }) });
}

/**
 * Runs `fn` in the page against the demo's test hooks (window.sessionboxDemo: the in-browser
 * emulator's store, request log and faults). `fn` is sent as source, so it may use only its argument.
 */
export function demoHooks<T>(page: Page, fn: (h: DemoHooks) => T): Promise<T> {
  return page.evaluate(`(${fn.toString()})(window.sessionboxDemo)`) as Promise<T>;
}

// Shared pieces for the real-browser tests: Debian's Chromium through playwright-core, the app
// served by Vite exactly as `npm start` / `vite build` + a static host would, and byte helpers.

import { createServer as createNetServer } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Download, type Page } from 'playwright-core';
import { build, createServer, preview, type InlineConfig } from 'vite';

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

export function launchBrowser(): Promise<Browser> {
  return chromium.launch(launchOptions);
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
  page.setDefaultTimeout(15_000);
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

/** Vite's dev server, as `npm start` runs it (demo mode from public/config.json). */
export async function startDevServer(): Promise<Served> {
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

/** `vite build` into outDir; returns the JS chunks with the modules each contains. */
export async function buildApp(outDir: string): Promise<BuiltChunk[]> {
  // Vitest sets NODE_ENV=test, which would make Vite and Svelte emit a development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({ ...quiet, mode: 'production', build: { outDir, emptyOutDir: true } });
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

/** `vite preview` of a build: a plain static host for dist/. */
export async function startPreview(
  outDir: string,
  port: number,
  opts: { headers?: Record<string, string>; base?: string } = {},
): Promise<Served> {
  const headers = opts.headers ?? {};
  const server = await preview({
    ...quiet,
    // Where the host mounts the build; the build itself uses relative URLs.
    base: opts.base ?? '/',
    build: { outDir },
    preview: { host: '127.0.0.1', port, strictPort: true, open: false, headers },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('Vite preview did not report its URL');
  return { url, close: () => server.close() };
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
  const path = await download.path();
  return readFile(path);
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

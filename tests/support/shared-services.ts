// Global setup of the browser test files: one Chromium, one warmed dev server and one production
// build for all of them, instead of one of each per file (eight dev servers optimizing their
// dependencies at once starved a 2-core machine). Each is started on first request, so a run of one
// file pays only for what it uses. Test workers reach them through a small loopback HTTP endpoint,
// because globalSetup can hand workers serializable values only.

import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserServer } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { buildApp, createDevServer, launchOptions, type BuiltChunk, type Served } from './browser.ts';
import { limit } from './limits.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the shared-services endpoint (see tests/support/browser.ts). */
    sharedServices: string;
  }
}

export interface SharedBuild {
  outDir: string;
  chunks: BuiltChunk[];
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let browserServer: Promise<BrowserServer> | undefined;
  let devServer: Promise<Served> | undefined;
  let build: Promise<SharedBuild> | undefined;
  let buildDir: string | undefined;

  const startBrowser = () => (browserServer ??= chromium.launchServer({ ...launchOptions, host: '127.0.0.1' }));

  // Warm means the app has loaded once in Chromium: Vite has optimized the dependencies and
  // transformed the modules, so no test's first page load pays for it (or times out on it).
  const startDevServerWarm = () =>
    (devServer ??= (async () => {
      const [served, server] = await Promise.all([createDevServer(), startBrowser()]);
      const browser = await chromium.connect(server.wsEndpoint());
      try {
        const page = await browser.newPage();
        await page.goto(served.url, { timeout: limit(300_000) });
        await page.waitForFunction(() => 'sessionboxDemo' in window, undefined, { timeout: limit(300_000) });
      } finally {
        await browser.close();
      }
      return served;
    })());

  const startBuild = () =>
    (build ??= (async () => {
      buildDir = await mkdtemp(join(tmpdir(), 'sessionbox-dist-'));
      return { outDir: buildDir, chunks: await buildApp(buildDir) };
    })());

  const routes: Record<string, () => Promise<unknown>> = {
    '/browser': async () => ({ wsEndpoint: (await startBrowser()).wsEndpoint() }),
    '/dev-server': async () => ({ url: (await startDevServerWarm()).url }),
    '/build': () => startBuild(),
  };

  const endpoint: Server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    route().then(
      (value) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value)),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err instanceof Error ? (err.stack ?? err.message) : String(err)),
    );
  });
  // A warm-up or a build can take minutes on a loaded machine; Node's default would cut it at 5.
  endpoint.requestTimeout = 0;
  endpoint.headersTimeout = 0;
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const address = endpoint.address();
  if (!address || typeof address !== 'object') throw new Error('shared-services endpoint has no address');
  project.provide('sharedServices', `http://127.0.0.1:${address.port}`);

  return async () => {
    await new Promise((resolve) => endpoint.close(resolve));
    const settled = async <T>(p: Promise<T> | undefined) => p?.catch(() => undefined);
    await Promise.all([
      settled(devServer).then((s) => s?.close()),
      settled(browserServer).then((s) => s?.close()),
      settled(build).then(() => (buildDir ? rm(buildDir, { recursive: true, force: true }) : undefined)),
    ]);
  };
}

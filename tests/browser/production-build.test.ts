// `npm run build` is production only: no emulator, no MSW worker, no stand-in sign-in page and no
// config.json in dist/, and a deployment whose config.json is missing, unreadable or says "demo"
// shows the configuration page, never the in-browser demo. `npm run build:demo` is the offline demo
// as static files.

import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, builtApp, bytes, downloadedBytes, freePort, launchBrowser, newPage, row, startPreview, strictCsp, watchCsp, type Served } from '../support/browser';
import type { SharedBuild } from '../support/shared-services';

let browser: Browser;
let production: SharedBuild;
let site: Served;

/** Emulation, MSW and demo-only modules: none may be in a production chunk. */
const DEMO_ONLY = /[/\\](src[/\\](mocks|demo)|node_modules[/\\](msw|@mswjs))[/\\]/;

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).replaceAll('\\', '/'));
}

beforeAll(async () => {
  [browser, production] = await Promise.all([launchBrowser(), builtApp()]);
  // No config option: the host serves dist/ exactly as built, so config.json is a 404.
  site = await startPreview(production.outDir, await freePort(), { headers: { 'Content-Security-Policy': strictCsp([]) } });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('npm run build', () => {
  it('writes no demo or emulator file, and no chunk holds emulation or MSW code', async () => {
    const written = await files(production.outDir);
    expect(written).toContain('index.html');
    expect(written.filter((f) => /(^|\/)(config\.json|mockServiceWorker\.js|demo-sign-in\.html)$/.test(f))).toEqual([]);
    expect(production.chunks.length).toBeGreaterThan(0);
    expect(production.chunks.flatMap((c) => c.moduleIds.filter((id) => DEMO_ONLY.test(id)).map((id) => `${c.fileName}: ${id}`))).toEqual([]);
    // Belt and braces for code that reached a chunk without a module id of its own.
    for (const file of written.filter((f) => f.endsWith('.js') || f.endsWith('.html'))) {
      const text = await readFile(join(production.outDir, file), 'utf8');
      expect(text, file).not.toMatch(/sessionboxDemo|mockServiceWorker|demo-sign-in|createEmulator/);
    }
  });

  it('shows the configuration page, not the demo, when config.json is missing', async () => {
    const { context, page } = await newPage(browser);
    const cspViolations = await watchCsp(context);
    const requests: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    await page.goto(site.url);
    await page.getByRole('heading', { name: 'config.json needs fixing' }).waitFor();
    const problem = await page.getByRole('listitem').filter({ hasText: 'config.json' }).textContent();
    expect(problem).toMatch(/is missing\. Deploy the config\.json for your bucket next to index\.html/);
    expect(problem).toContain('npm run build:demo');
    expect(await page.getByRole('note').count()).toBe(0); // the demo banner
    expect(requests.filter((u) => /mockServiceWorker|demo-sign-in|sessionbox-demo/.test(new URL(u).pathname))).toEqual([]);
    expect(await page.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length))).toBe(0);
    expect(await cspViolations(page)).toEqual([]);
    await context.close();
  });

  it.each([
    ['says "demo"', { json: { mode: 'demo' } }, /mode.*is "demo", but this is a production build/s],
    ['cannot be read', { status: 403, body: 'AccessDenied' }, /config\.json.*answered HTTP 403/s],
    ['is not JSON', { status: 200, contentType: 'application/json', body: '<html>' }, /config\.json.*is not valid JSON/s],
  ] as const)('shows the configuration page when config.json %s', async (_, answer, message) => {
    const { context, page } = await newPage(browser);
    await page.route('**/config.json', (route) => route.fulfill(answer));
    await page.goto(site.url);
    await page.getByRole('heading', { name: 'config.json needs fixing' }).waitFor();
    expect((await page.getByRole('listitem').allTextContents()).join('\n')).toMatch(message);
    expect(await page.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length))).toBe(0);
    await context.close();
  });
});

describe('npm run build:demo', () => {
  let demoDir: string;
  let demoSite: Served;

  beforeAll(async () => {
    demoDir = await mkdtemp(join(tmpdir(), 'sessionbox-demo-build-'));
    await buildApp(demoDir, 'demo');
    // The demo's AWS endpoints are answered by its service worker, but CSP is checked before a request
    // reaches it: a host of the demo allows them in connect-src like a real deployment would.
    demoSite = await startPreview(demoDir, await freePort(), { headers: { 'Content-Security-Policy': strictCsp(['https://*.amazonaws.com']) } });
  });

  afterAll(async () => {
    await demoSite?.close();
    if (demoDir) await rm(demoDir, { recursive: true, force: true });
  });

  it('writes the demo beside the app: its config.json, the MSW worker and the stand-in sign-in page', async () => {
    const written = await files(demoDir);
    expect(written).toEqual(expect.arrayContaining(['index.html', 'config.json', 'mockServiceWorker.js', 'demo-sign-in.html']));
    expect(JSON.parse(await readFile(join(demoDir, 'config.json'), 'utf8'))).toEqual({ mode: 'demo' });
  });

  it('runs offline from static files under a strict CSP: upload, list, download', async () => {
    const { context, page } = await newPage(browser);
    const cspViolations = await watchCsp(context);
    await page.goto(demoSite.url);
    await page.getByRole('note').waitFor(); // the demo banner
    await page.getByText('This folder is empty').waitFor();
    const data = bytes(50_000, 77);
    await page.locator('input[type=file]').setInputFiles([{ name: 'offline.bin', mimeType: 'application/octet-stream', buffer: data }]);
    await row(page, 'offline.bin').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download offline.bin' }).click()]);
    expect((await downloadedBytes(download)).equals(data)).toBe(true);
    expect(await cspViolations(page)).toEqual([]);
    await context.close();
  });
});

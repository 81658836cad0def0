// The built widget in real Chromium, embedded as other sites embed it: the host page on one origin,
// the widget's files on another (the app's deployment), and the local AWS emulation over HTTP on a
// third, deciding every S3 request with the real guest IAM policy. Covers the README snippet, a
// host page with a strict CSP, keyboard-only use, misconfiguration, cancel/retry and the size budget.

import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/mocks/emulator.ts';
import { serveEmulator } from '../../src/mocks/http.ts';
import { bytes, freePort, launchBrowser, newPage, removeTempFiles, root, tempFile, watchCsp } from '../support/browser.ts';
import { iamAuthorizer } from '../support/iam-authorizer.ts';
import { limit, waitFor } from '../support/wait.ts';

const BUCKET = 'sessionbox-embed';
const POOL = 'us-east-1:7c1d3e2f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const BUDGET = 35_000;
const EVENTS = ['start', 'progress', 'complete', 'error'].map((t) => `sessionbox-upload-${t}`);
/** expect.poll's own limit is one second: too short for a loaded machine. */
const POLL = { timeout: limit(30_000) };

interface Route {
  body: string | Buffer;
  type: string;
  headers?: Record<string, string>;
}

let browser: Browser;
let outDir: string;
let emulator: Emulator;
let aws: { url: string; close(): Promise<void> };
/** The site that embeds the widget. */
let host: { url: string; routes: Map<string, Route>; close(): Promise<void> };
/** The app's deployment: the widget's files, the example page and config.json. */
let cdn: { url: string; routes: Map<string, Route>; close(): Promise<void> };
let built: Map<string, Buffer>;

async function serve(port: number, headers: Record<string, string> = {}) {
  const routes = new Map<string, Route>();
  const server: Server = createServer((req, res) => {
    const route = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!route) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store', ...headers, ...route.headers }).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    routes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `vite build --mode widget` into a temporary directory. */
async function buildWidget(dir: string): Promise<void> {
  // Vitest sets NODE_ENV=test, which would make Vite and Svelte emit a development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root, mode: 'widget', logLevel: 'silent', clearScreen: false, build: { outDir: dir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

const html = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/** The copy-paste snippet shown on public/embed-example.html. */
async function exampleSnippet(): Promise<string> {
  const page = await readFile(join(root, 'public/embed-example.html'), 'utf8');
  const code = /<pre id="snippet"><code>([\s\S]*?)<\/code><\/pre>/.exec(page)?.[1];
  if (!code) throw new Error('public/embed-example.html has no <pre id="snippet"><code> block');
  return html(code);
}

/** The snippet with this test's addresses: the widget from `cdn`, AWS replaced by the emulation. */
function localise(snippet: string): string {
  return snippet
    .replace(/https:\/\/files\.example\.com\//g, `${cdn.url}/`)
    .replace(/region="[^"]*"/, 'region="us-east-1"')
    .replace(/identity-pool-id="[^"]*"/, `identity-pool-id="${POOL}"`)
    .replace(/bucket="[^"]*"/, `bucket="${BUCKET}"`)
    .replace('<sessionbox-upload', `<sessionbox-upload s3-endpoint="${aws.url}" cognito-endpoint="${aws.url}" force-path-style`);
}

function page(body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host site</title>${head}</head><body><h1>Job application</h1>${body}</body></html>`;
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'sessionbox-widget-'));
  const [hostPort, cdnPort] = await Promise.all([freePort(), freePort()]);
  const iam = iamAuthorizer({ bucket: BUCKET });
  emulator = createEmulator({
    region: 'us-east-1',
    buckets: [BUCKET],
    identityPoolId: POOL,
    // The guest policy decides every S3 request. The loopback HTTP server stands in for S3's HTTPS
    // endpoint, which the bucket policy requires (aws:SecureTransport).
    authorize: (req) => iam({ ...req, secureTransport: true }),
    corsOrigins: [`http://127.0.0.1:${hostPort}`, `http://127.0.0.1:${cdnPort}`],
  });
  const launching = launchBrowser();
  [aws] = await Promise.all([serveEmulator(emulator, { port: 0 }), buildWidget(outDir)]);
  built = new Map();
  for (const name of await readdir(outDir)) built.set(name, await readFile(join(outDir, name)));
  // Module scripts are fetched with CORS: the deployment answers any origin (as template.yaml's CloudFront does).
  [host, cdn] = await Promise.all([serve(hostPort), serve(cdnPort, { 'access-control-allow-origin': '*' })]);
  for (const [name, body] of built) cdn.routes.set(`/widget/${name}`, { body, type: 'text/javascript' });
  browser = await launching;
}, limit(300_000));

afterAll(async () => {
  await browser?.close();
  await removeTempFiles();
  await Promise.all([host?.close(), cdn?.close(), aws?.close()]);
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** Records the widget's events at the document (so they must bubble out of the element) and what the page had before. */
async function open(path: string): Promise<{ page: Page; events: () => Promise<Array<{ type: string; detail: Record<string, unknown>; composed: boolean; bubbles: boolean }>>; close: () => Promise<void> }> {
  const { context, page } = await newPage(browser);
  await context.addInitScript((types: string[]) => {
    const w = window as unknown as { __events: unknown[]; __keys: string[] };
    w.__events = [];
    w.__keys = [];
    (w as unknown as { __protos: string[][] }).__protos = [];
    w.__keys = Object.keys(window);
    (w as unknown as { __protos: string[][] }).__protos = [Element, Node, Text, HTMLElement, EventTarget, Document].map((c) => Object.getOwnPropertyNames(c.prototype));
    for (const type of types) {
      document.addEventListener(type, (e) => w.__events.push({ type, detail: (e as CustomEvent).detail, composed: e.composed, bubbles: e.bubbles }));
    }
  }, EVENTS);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(`${host.url}${path}`);
  return {
    page,
    events: () => page.evaluate(() => (window as unknown as { __events: never[] }).__events),
    close: async () => {
      expect(errors).toEqual([]);
      await context.close();
    },
  };
}

async function waitForEvents(events: () => Promise<Array<{ type: string }>>, type: string, n: number): Promise<void> {
  await expect.poll(async () => (await events()).filter((e) => e.type === `sessionbox-upload-${type}`).length, POLL).toBe(n);
}

async function stored(key: string): Promise<Buffer | undefined> {
  const blob = await emulator.store.read(BUCKET, key);
  return blob && Buffer.from(await blob.arrayBuffer());
}

describe('the widget embedded in other sites', () => {
  it('the snippet works on a plain page on another origin: a guest upload, with the events the page needs', async () => {
    host.routes.set('/snippet.html', { body: page(`<form><label>Name <input name="name"></label></form>\n${localise(await exampleSnippet())}`), type: 'text/html' });
    const { page: p, events, close } = await open('/snippet.html');
    const headBefore = await p.evaluate(() => document.head.innerHTML);
    const widget = p.locator('sessionbox-upload');
    await p.getByRole('button', { name: 'Choose files' }).waitFor();

    const cv = bytes(70_001, 3);
    const photo = bytes(2_000_000, 4);
    const scan = bytes(17 * 1024 * 1024 + 3, 5); // two parts of 16 MiB
    await widget.locator('input[type=file]').setInputFiles([
      await tempFile('cv.pdf', cv),
      await tempFile('holiday photo ü (1)+.png', photo),
      await tempFile('scan.pdf', scan),
      await tempFile('setup.exe', bytes(10)),
    ]);
    // The type check happens in the element: a dropped or scripted file bypasses <input accept>.
    await waitForEvents(events, 'error', 1);
    expect((await events()).find((e) => e.type === 'sessionbox-upload-error')?.detail).toEqual({
      code: 'FileTypeNotAccepted',
      message: 'setup.exe is not an accepted type (image/*, .pdf).',
      name: 'setup.exe',
    });
    // Shown in the element too, not only announced.
    expect(await widget.locator('[part~=refusals]').textContent()).toBe('setup.exe is not an accepted type (image/*, .pdf).');
    await p.getByRole('button', { name: 'Upload', exact: true }).click();
    await waitForEvents(events, 'complete', 3);

    const all = await events();
    expect(all.every((e) => e.bubbles && e.composed)).toBe(true);
    const completes = all.filter((e) => e.type === 'sessionbox-upload-complete').map((e) => e.detail);
    const prefix = /^uploads\/us-east-1:[0-9a-f-]+\//.exec(String(completes[0]?.key))?.[0];
    expect(prefix).toBeDefined();
    for (const [name, data] of [['cv.pdf', cv], ['holiday photo ü (1)+.png', photo], ['scan.pdf', scan]] as const) {
      const detail = completes.find((d) => d.key === prefix + name);
      expect(detail).toEqual({ name, key: prefix + name, size: data.length, etag: emulator.store.head(BUCKET, prefix + name)?.etag });
      expect((await stored(prefix + name))?.equals(data)).toBe(true);
      expect(all.some((e) => e.type === 'sessionbox-upload-start' && e.detail.key === prefix + name)).toBe(true);
      expect(all.filter((e) => e.type === 'sessionbox-upload-progress' && e.detail.key === prefix + name).at(-1)?.detail).toMatchObject({ loaded: data.length, total: data.length });
    }
    expect(emulator.store.head(BUCKET, `${prefix}scan.pdf`)?.etag).toMatch(/-2"$/);
    expect(await widget.locator('li[data-status=done]').count()).toBe(3);
    await expect.poll(() => p.getByRole('status').textContent(), POLL).toMatch(/uploaded\.$/);

    // Nothing outside the element: no styles or scripts in <head>, no globals, no storage, no cookies.
    expect(
      await p.evaluate(() => ({
        head: document.head.innerHTML,
        globals: Object.keys(window).filter((k) => !(window as unknown as { __keys: string[] }).__keys.includes(k)),
        prototypes: [Element, Node, Text, HTMLElement, EventTarget, Document].map((c, i) => Object.getOwnPropertyNames(c.prototype).filter((k) => !(window as unknown as { __protos: string[][] }).__protos[i]!.includes(k))).flat(),
        sheets: document.styleSheets.length + document.adoptedStyleSheets.length,
        storage: localStorage.length + sessionStorage.length,
        cookie: document.cookie,
        bodyChildren: [...document.body.children].map((c) => c.tagName.toLowerCase()),
      })),
      // Svelte's runtime gives Element.prototype an undefined `__e` slot (its event-handler marker): the one trace.
    ).toEqual({ head: headBefore, globals: [], prototypes: ['__e'], sheets: 0, storage: 0, cookie: '', bodyChildren: ['h1', 'form', 'script', 'sessionbox-upload'] });
    await close();
  }, limit(120_000));

  it('works on a host page whose CSP is default-src/script-src/style-src \'self\', themed by the page, files dropped', async () => {
    host.routes.set('/js/sessionbox-upload.classic.js', { body: built.get('sessionbox-upload.classic.js')!, type: 'text/javascript' });
    host.routes.set('/theme.css', {
      body: 'sessionbox-upload { --sessionbox-accent: rgb(200, 0, 100); } sessionbox-upload::part(dropzone) { border-color: rgb(1, 2, 3); }',
      type: 'text/css',
    });
    host.routes.set('/strict.html', {
      body: page(
        `<sessionbox-upload region="us-east-1" identity-pool-id="${POOL}" bucket="${BUCKET}" s3-endpoint="${aws.url}" cognito-endpoint="${aws.url}" force-path-style auto-upload multiple></sessionbox-upload>`,
        '<link rel="stylesheet" href="/theme.css"><script src="/js/sessionbox-upload.classic.js" defer></script>',
      ),
      type: 'text/html',
      headers: { 'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ${aws.url}` },
    });
    const { context, page: p } = await newPage(browser);
    const violations = await watchCsp(context);
    await p.goto(`${host.url}/strict.html`);
    await p.getByRole('button', { name: 'Choose files' }).waitFor();

    const look = await p.evaluate(() => {
      const root = document.querySelector('sessionbox-upload')!.shadowRoot!;
      const zone = getComputedStyle(root.querySelector('[part~=dropzone]')!);
      const button = getComputedStyle(root.querySelector('[part~=choose-button]')!);
      return { style: zone.borderTopStyle, zoneColor: zone.borderTopColor, buttonColor: button.color, inlineStyles: root.querySelectorAll('style').length };
    });
    // The widget's own sheet applies (adopted, not a blocked <style>), and the page's theme reaches in.
    expect(look).toEqual({ style: 'dashed', zoneColor: 'rgb(1, 2, 3)', buttonColor: 'rgb(200, 0, 100)', inlineStyles: 0 });

    await p.evaluate(() => {
      const zone = document.querySelector('sessionbox-upload')!.shadowRoot!.querySelector('[part~=dropzone]')!;
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped under a strict CSP'], 'dropped.txt', { type: 'text/plain' }));
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    const item = p.locator('sessionbox-upload li', { hasText: 'dropped.txt' });
    await expect.poll(() => item.getAttribute('data-status'), POLL).toBe('done');
    const key = emulator.requests.find((r) => r.operation === 'PutObject' && r.key?.endsWith('/dropped.txt') && r.status === 200)?.key;
    expect(key).toMatch(/^uploads\/us-east-1:[0-9a-f-]+\/dropped\.txt$/);
    expect((await stored(key!))?.toString()).toBe('dropped under a strict CSP');
    expect(await violations(p)).toEqual([]);
    await context.close();
  }, limit(45_000));

  it('uploads with the keyboard alone, and says so to screen readers', async () => {
    host.routes.set('/keyboard.html', {
      body: page(`<sessionbox-upload region="us-east-1" identity-pool-id="${POOL}" bucket="${BUCKET}" s3-endpoint="${aws.url}" cognito-endpoint="${aws.url}" force-path-style accept=".txt" max-size="1 MB"></sessionbox-upload><script src="${cdn.url}/widget/sessionbox-upload.classic.js"></script>`),
      type: 'text/html',
    });
    const { page: p, events, close } = await open('/keyboard.html');
    // Listening early: Playwright turns on file chooser interception asynchronously.
    const choosing = p.waitForEvent('filechooser');
    await p.getByRole('button', { name: 'Choose a file' }).waitFor();
    const focused = () => p.evaluate(() => {
      const inner = document.activeElement?.shadowRoot?.activeElement;
      return inner ? `${inner.tagName.toLowerCase()}: ${inner.getAttribute('aria-label') ?? inner.textContent?.trim()}` : document.activeElement?.tagName.toLowerCase();
    });
    await p.keyboard.press('Tab');
    expect(await focused()).toBe('button: Choose a file');
    // The constraints are part of the button's description.
    expect(await p.evaluate(() => {
      const root = document.querySelector('sessionbox-upload')!.shadowRoot!;
      const button = root.querySelector('[part~=choose-button]')!;
      return root.getElementById(button.getAttribute('aria-describedby')!)?.textContent;
    })).toBe('Accepted: .txt. Up to 1 MB per file.');

    const file = await tempFile('letter.txt', Buffer.from('typed with a keyboard'));
    await p.keyboard.press('Enter');
    const chooser = await choosing;
    expect(chooser.isMultiple()).toBe(false);
    await chooser.setFiles(file);
    await expect.poll(() => p.getByRole('status').textContent(), POLL).toBe('letter.txt added.');

    const order: unknown[] = [];
    for (let i = 0; i < 4 && (await focused()) !== 'button: Upload'; i++) {
      await p.keyboard.press('Tab');
      order.push(await focused());
    }
    expect(order).toEqual(['button: Remove letter.txt', 'button: Upload']);
    await p.keyboard.press('Enter');
    await waitForEvents(events, 'complete', 1);
    await expect.poll(() => p.getByRole('status').textContent(), POLL).toBe('letter.txt uploaded.');
    expect(await p.getByRole('progressbar', { name: 'Upload progress of letter.txt' }).getAttribute('value')).toBe('21');
    const key = String((await events()).find((e) => e.type === 'sessionbox-upload-complete')?.detail.key);
    expect((await stored(key))?.toString()).toBe('typed with a keyboard');

    // Without `multiple`, another choice replaces the file in the list (the uploaded one stays in the bucket).
    await p.locator('sessionbox-upload input[type=file]').setInputFiles(await tempFile('letter v2.txt', Buffer.from('second try')));
    await expect.poll(() => p.locator('sessionbox-upload li').allTextContents(), POLL).toEqual([expect.stringMatching(/^letter v2\.txt/)]);
    await close();
  }, limit(45_000));

  it('shows what is wrong with its configuration, in the element, and tells the page', async () => {
    host.routes.set('/broken.html', {
      body: page(`<sessionbox-upload region="us-east-1" identity-pool-id="my-pool" max-size="lots"></sessionbox-upload><script type="module" src="${cdn.url}/widget/sessionbox-upload.js"></script>`),
      type: 'text/html',
    });
    const before = emulator.requests.length;
    const { page: p, events, close } = await open('/broken.html');
    const alert = p.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    expect(text).toContain('This upload form is not set up correctly.');
    expect(text).toMatch(/bucket: is missing\. Set it to the S3 bucket name\./);
    expect(text).toMatch(/identity-pool-id: "my-pool" is not an identity pool id/);
    expect(text).toMatch(/max-size: "lots" is not a size/);
    expect(await p.getByRole('button', { name: 'Choose a file' }).count()).toBe(0);
    await waitForEvents(events, 'error', 1);
    expect((await events())[0]?.detail).toMatchObject({ code: 'ConfigError', message: expect.stringContaining('identity-pool-id') });
    // upload() refuses, naming what is wrong (a plain Error: the element has no error codes for this).
    const refused = await p.evaluate(() =>
      (document.querySelector('sessionbox-upload') as HTMLElement & { upload(): Promise<unknown> }).upload().then(
        () => undefined,
        (e: Error) => ({ name: e.name, message: e.message }),
      ),
    );
    expect(refused).toEqual({ name: 'Error', message: expect.stringMatching(/^sessionbox-upload is misconfigured: .*bucket/) });

    // Fixing the attributes fixes the element.
    await p.evaluate(([bucket, url]) => {
      const el = document.querySelector('sessionbox-upload')!;
      for (const [k, v] of Object.entries({ bucket, 'identity-pool-id': 'us-east-1:7c1d3e2f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', 'max-size': '5 MB', 's3-endpoint': url, 'cognito-endpoint': url, 'force-path-style': '' })) el.setAttribute(k, v!);
    }, [BUCKET, aws.url]);
    await p.getByRole('button', { name: 'Choose a file' }).waitFor();
    expect(await alert.count()).toBe(0);
    // No identity is minted before a file is uploaded.
    expect(emulator.requests.slice(before).filter((r) => r.service === 'cognito')).toEqual([]);
    await close();
  }, limit(30_000));

  it('cancels and retries from the list, and offers upload() and clear() to the page', async () => {
    host.routes.set('/methods.html', {
      body: page(`<sessionbox-upload region="us-east-1" identity-pool-id="${POOL}" bucket="${BUCKET}" s3-endpoint="${aws.url}" cognito-endpoint="${aws.url}" force-path-style multiple locale="de"></sessionbox-upload><script type="module" src="${cdn.url}/widget/sessionbox-upload.js"></script>`),
      type: 'text/html',
    });
    const { page: p, events, close } = await open('/methods.html');
    // Part 2 waits at the emulator until the test lets it go (or the client gives up on it).
    emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2, key: /\/gross\.bin$/ }, fault: { hold: 'gross.bin part 2' } });
    const held = () => emulator.faults.held('gross.bin part 2');
    /** S3 requests for gross.bin so far, as "Operation [part] status" (0: no answer, the client went away). */
    const log = () => emulator.requests.filter((r) => r.service === 's3' && r.key?.endsWith('/gross.bin')).map((r) => `${r.operation}${r.partNumber ? ` ${r.partNumber}` : ''} ${r.status}`);
    try {
      const data = bytes(17 * 1024 * 1024, 9);
      await p.locator('sessionbox-upload input[type=file]').setInputFiles(await tempFile('gross.bin', data));
      const outcome = p.evaluate(() => (document.querySelector('sessionbox-upload') as HTMLElement & { upload(): Promise<unknown> }).upload());
      const item = p.locator('sessionbox-upload li', { hasText: 'gross.bin' });
      await waitFor(() => held() === 1 && log().includes('UploadPart 1 200'), 'part 1 stored and part 2 held');
      // From here the row no longer changes under the pointer. (Clicked while part 1 landed, the
      // progress text could move the button between Playwright's check and its click.)
      await expect.poll(() => item.textContent(), POLL).toContain('94%');
      await p.getByRole('button', { name: 'gross.bin abbrechen' }).click();
      // The cancel aborts the held part (the emulator sees the client go away) and the upload.
      await waitFor(() => held() === 0, 'the held part 2 to be aborted by the cancel');
      await waitFor(() => log().includes('AbortMultipartUpload 204'), 'AbortMultipartUpload after the cancel');
      expect(await outcome).toEqual([{ name: 'gross.bin', size: data.length, status: 'cancelled', key: expect.stringMatching(/\/gross\.bin$/) }]);
      expect(log().sort()).toEqual(['AbortMultipartUpload 204', 'CreateMultipartUpload 200', 'UploadPart 1 200', 'UploadPart 2 0']);
      expect(emulator.store.listUploads(BUCKET)).toEqual([]);
      await expect.poll(() => item.getAttribute('data-status'), POLL).toBe('cancelled');
      expect((await events()).at(-1)).toMatchObject({ type: 'sessionbox-upload-error', detail: { code: 'Aborted', name: 'gross.bin' } });
      expect(await p.getByRole('status').textContent()).toBe('gross.bin abgebrochen.');

      // The retry starts a new multipart upload (the hold applied once) and completes it.
      const before = log().length;
      await p.getByRole('button', { name: 'gross.bin wiederholen' }).click();
      await expect.poll(() => item.getAttribute('data-status'), POLL).toBe('done');
      expect(log().slice(before).sort()).toEqual(['CompleteMultipartUpload 200', 'CreateMultipartUpload 200', 'UploadPart 1 200', 'UploadPart 2 200']);
      const key = String((await events()).find((e) => e.type === 'sessionbox-upload-complete')?.detail.key);
      expect((await stored(key))?.equals(data)).toBe(true);
      expect(emulator.store.listUploads(BUCKET)).toEqual([]);

      await p.evaluate(() => (document.querySelector('sessionbox-upload') as HTMLElement & { clear(): void }).clear());
      await item.waitFor({ state: 'detached' });
      expect(await p.locator('sessionbox-upload li').count()).toBe(0);
      await close();
    } finally {
      emulator.faults.clear();
    }
  }, limit(60_000));

  it('the example page works next to the build, on the deployment\'s strict CSP, with its config.json', async () => {
    cdn.routes.set('/embed-example.html', {
      body: await readFile(join(root, 'public/embed-example.html')),
      type: 'text/html',
      headers: { 'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ${aws.url}` },
    });
    cdn.routes.set('/config.json', {
      body: JSON.stringify({ region: 'us-east-1', bucket: BUCKET, identityPoolId: POOL, endpoints: { s3: aws.url, cognitoIdentity: aws.url, forcePathStyle: true } }),
      type: 'application/json',
    });
    const { context, page: p } = await newPage(browser);
    const violations = await watchCsp(context);
    await p.goto(`${cdn.url}/embed-example.html`);
    await p.locator('sessionbox-upload').locator('input[type=file]').setInputFiles([{ name: 'example.txt', mimeType: 'text/plain', buffer: Buffer.from('from the example page') }]);
    const item = p.locator('sessionbox-upload li', { hasText: 'example.txt' });
    await expect.poll(() => item.getAttribute('data-status'), POLL).toBe('done');
    expect(await violations(p)).toEqual([]);
    await context.close();
  }, limit(30_000));
});

describe('size budget', () => {
  it(`is at most ${BUDGET} bytes of gzip -9 for everything a first upload loads, each build counted with all its chunks`, () => {
    const files = [...built.keys()].sort();
    // One self-contained file per format: nothing is loaded lazily, and styles are inside the JS.
    expect(files).toEqual(['sessionbox-upload.classic.js', 'sessionbox-upload.js']);
    const gz = (name: string) => gzipSync(built.get(name)!, { level: 9 }).length;
    const sizes = { module: gz('sessionbox-upload.js'), classic: gz('sessionbox-upload.classic.js') };
    console.info(`widget size (gzip -9): module ${sizes.module} B, classic ${sizes.classic} B`);
    expect(sizes.module).toBeLessThanOrEqual(BUDGET);
    expect(sizes.classic).toBeLessThanOrEqual(BUDGET);
    // No AWS SDK, no XML parser: the point of the second transport.
    for (const name of files) expect(built.get(name)!.toString()).not.toMatch(/@aws-sdk|smithy|fast-xml-parser|XMLParser/);
  });
});

describe('README', () => {
  it('shows the snippet of public/embed-example.html in its "Embed" section', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const section = /^## Embed[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
    expect(section, 'README.md has no "## Embed" section (see notes/readme-embed.md)').toBeDefined();
    const snippet = /```html\n([\s\S]*?)\n```/.exec(section!)?.[1];
    expect(snippet).toBe(await exampleSnippet());
  });
});

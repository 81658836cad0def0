// Resume after a reload in the demo: a multipart upload whose page is reloaded mid-way is remembered
// in IndexedDB; the page says so at start-up, and the same file added again sends only the parts the
// server does not have yet, ending byte-identical. No credentials are among what is remembered.
// Where the file was picked through the File System Access picker, its handle is remembered too and
// the upload continues by itself after the reload; without the picker, the <input> is used as before.

import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoHooks } from '../../src/demo/start';
import { RESUME_PART_FIELDS, RESUME_RECORD_FIELDS } from '../../src/lib/resume-store';
import { bytes, demoHooks, launchBrowser, newPage, removeTempFiles, row, startDevServer, tempFile, withoutFilePicker, type Served } from '../support/browser';
import { referenceCrc32 } from '../support/crc32';
import { limit } from '../support/wait';

const MiB = 1024 * 1024;
/** expect.poll's own limit is one second: too short for a loaded machine. */
const POLL = { timeout: limit(30_000) };
/** For what takes a 40 MiB upload (parts checked, sent and stored) in a dev-mode page. */
const UPLOAD = { timeout: limit(90_000) };

let browser: Browser;
let server: Served;
let page: Page;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startDevServer()]);
  ({ page } = await newPage(browser));
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto(server.url);
  await page.getByText('This folder is empty').waitFor();
  // The first file to start may wait for the shared dev server's warm-up on a loaded machine.
}, limit(300_000));

afterAll(async () => {
  await browser?.close();
  await removeTempFiles();
  await server?.close();
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The SHA-256 of the one object named `name` in the demo's bucket, read from the emulator's store in
 * the page (a 40 MiB download would only add time); a description instead where there is not one.
 */
function storedSha256(p: Page, name: string): Promise<string> {
  return p.evaluate(async (name) => {
    const h = (window as unknown as { sessionboxDemo: DemoHooks }).sessionboxDemo;
    const index = h.emulator.store.keys('sessionbox-demo');
    const keys = Array.from({ length: index.length }, (_, i) => index.at(i)!).filter((k) => k.endsWith(`/${name}`));
    const blob = keys.length === 1 ? await h.emulator.store.read('sessionbox-demo', keys[0]!) : undefined;
    if (!blob) return `${keys.length} objects named ${name}`;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  }, name);
}

type RememberedRecord = Record<string, unknown> & { parts: { partNumber: number; crc32?: string }[]; handle?: { kind: string; name: string; isHandle: boolean } };

/** The resume store's records, read straight from IndexedDB (a kept handle as its kind and name). */
function remembered(on: Page = page): Promise<RememberedRecord[]> {
  return on.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const req = indexedDB.open('sessionbox-resume');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('uploads')) return resolve([]);
          const all = db.transaction('uploads').objectStore('uploads').getAll();
          all.onsuccess = () => {
            db.close();
            resolve(
              (all.result as Record<string, unknown>[]).map((r) => {
                const h = r.handle as FileSystemFileHandle | undefined;
                return h ? { ...r, handle: { kind: h.kind, name: h.name, isHandle: h instanceof FileSystemFileHandle } } : r;
              }) as RememberedRecord[],
            );
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

describe('resume after reload (demo)', () => {
  it('remembers a multipart upload across a reload and sends only the missing parts when the same file is added again', async () => {
    // The demo's 16 MiB parts: three of them.
    const data = bytes(40 * MiB + 4321, 61);
    const path = await tempFile('holiday.mov', data);
    // Part 2 never answers: parts 1 and 3 reach the server, then the page is reloaded.
    await demoHooks(page, (h) => h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { hang: true }, times: Infinity }));
    await page.locator('input[type=file]').setInputFiles(path);
    await expect.poll(async () => (await remembered())[0]?.parts.length ?? 0, UPLOAD).toBe(2);
    const [record] = await remembered();
    expect(record!.parts.map((p) => p.partNumber).sort()).toEqual([1, 3]);
    expect(record!.path).toBe('holiday.mov');
    // Only what a resume needs (no handle: the file came through the <input>); no credentials.
    expect(Object.keys(record!).sort()).toEqual(RESUME_RECORD_FIELDS.filter((f) => f !== 'handle').sort());
    for (const p of record!.parts) {
      expect(Object.keys(p).sort()).toEqual([...RESUME_PART_FIELDS].sort());
      expect(p.crc32).toBe(referenceCrc32(data.subarray((p.partNumber - 1) * 16 * MiB, p.partNumber * 16 * MiB)));
    }
    expect(JSON.stringify(record)).not.toMatch(/ASIA|SessionToken|SecretKey/i);
    const before = await demoHooks(page, (h) => h.emulator.requests.filter((r) => r.operation === 'UploadPart' && r.status === 200).map((r) => r.partNumber));
    expect(before.sort()).toEqual([1, 3]);

    await page.reload();
    await page.getByText('This folder is empty').waitFor();
    const notice = page.getByTestId('unfinished-uploads');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/An upload did not finish last time.*same file to the same folder.*holiday\.mov/s);

    // Part 2 is held at the emulator until the resumed item has been seen saying so.
    await demoHooks(page, (h) => h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { hold: 'part 2' } }));
    await page.locator('input[type=file]').setInputFiles(path);
    const item = page.locator('li', { hasText: 'holiday.mov' });
    await expect.poll(() => demoHooks(page, (h) => h.emulator.faults.held('part 2')), UPLOAD).toBe(1);
    await expect.poll(() => item.textContent(), POLL).toContain('Resuming (2 of 3 parts already uploaded)');
    await notice.waitFor({ state: 'detached' });
    await demoHooks(page, (h) => h.emulator.faults.release('part 2'));
    await expect.poll(() => item.getAttribute('data-status'), UPLOAD).toBe('done');

    const ops = await demoHooks(page, (h) => h.emulator.requests.filter((r) => r.key?.endsWith('holiday.mov')).map((r) => `${r.operation}${r.partNumber ?? ''}:${r.status}`));
    expect(ops).not.toContain('CreateMultipartUpload:200');
    expect(ops).toContain('ListParts:200');
    expect(ops.filter((o) => o.startsWith('UploadPart'))).toEqual(['UploadPart2:200']);
    expect(ops).toContain('CompleteMultipartUpload:200');
    await expect.poll(() => remembered(), POLL).toEqual([]);

    await row(page, 'holiday.mov').waitFor();
    expect(await storedSha256(page, 'holiday.mov')).toBe(sha256(data));
    expect(await demoHooks(page, (h) => h.emulator.store.listUploads('sessionbox-demo').length)).toBe(0);
  }, limit(360_000));
});

/**
 * Chromium's picker cannot show headless: this one answers with handles to files in the origin
 * private file system, named in window.__pick by the test. Such handles may always be read, like a
 * picked file's while the browser keeps its permission.
 */
async function stubFilePicker(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { __pick?: string[]; __pickerCalls: unknown[]; showOpenFilePicker: (o: unknown) => Promise<FileSystemFileHandle[]> };
    w.__pickerCalls = [];
    w.showOpenFilePicker = async (options: unknown) => {
      w.__pickerCalls.push(options);
      const root = await navigator.storage.getDirectory();
      return Promise.all((w.__pick ?? []).map((name) => root.getFileHandle(name)));
    };
  });
}

/** Writes bytes(size, seed) into the origin private file system, made in the page (40 MiB over the protocol would be slow). */
function writePrivateFile(on: Page, name: string, size: number, seed: number): Promise<void> {
  return on.evaluate(
    async ({ name, size, seed }) => {
      const root = await navigator.storage.getDirectory();
      const handle = await root.getFileHandle(name, { create: true });
      const out = await handle.createWritable();
      // The same generator as bytes() in tests/support/browser.ts, written 4 MiB at a time.
      let x = seed >>> 0 || 1;
      for (let done = 0; done < size; ) {
        const chunk = new Uint8Array(Math.min(4 * 1024 * 1024, size - done));
        for (let i = 0; i < chunk.length; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          chunk[i] = x & 0xff;
        }
        await out.write(chunk);
        done += chunk.length;
      }
      await out.close();
    },
    { name, size, seed },
  );
}

/**
 * Records, from each navigation's first node on, whether the unfinished-uploads notice was ever in
 * the page: evidence over the whole load, where a count at the end would only say it is gone now.
 */
async function watchNotice(context: BrowserContext): Promise<(p: Page) => Promise<boolean>> {
  await context.addInitScript(() => {
    const w = window as unknown as { __noticeShown: boolean };
    w.__noticeShown = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid=unfinished-uploads]')) w.__noticeShown = true;
    }).observe(document, { childList: true, subtree: true });
  });
  return (p) => p.evaluate(() => (window as unknown as { __noticeShown: boolean }).__noticeShown);
}

describe('resume after reload with a File System Access handle (demo)', () => {
  /**
   * Picks `name` (40 MiB, made in the page) through "Upload files" with the stubbed picker; part 2
   * never answers, so parts 1 and 3 reach the server and are remembered with the file's handle.
   */
  async function interruptedPick(p: Page, name: string, seed: number): Promise<Buffer> {
    await p.goto(server.url);
    await p.getByText('This folder is empty').waitFor();
    const data = bytes(40 * MiB + 999, seed);
    await writePrivateFile(p, name, data.length, seed);
    await demoHooks(p, (h) => h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { hang: true }, times: Infinity }));
    await p.evaluate((n) => ((window as unknown as { __pick: string[] }).__pick = [n]), name);
    await p.getByRole('button', { name: 'Upload files' }).click();
    await expect.poll(async () => (await remembered(p))[0]?.parts.length ?? 0, UPLOAD).toBe(2);
    expect(await p.evaluate(() => (window as unknown as { __pickerCalls: unknown[] }).__pickerCalls)).toEqual([{ multiple: true }]);
    return data;
  }

  /** After the reload: the upload ended with only part 2 sent, byte-identical, nothing left behind. */
  async function finishedByResume(p: Page, name: string, data: Buffer): Promise<void> {
    const item = p.locator('li', { hasText: name });
    await expect.poll(() => item.getAttribute('data-status'), UPLOAD).toBe('done');
    const ops = await demoHooks(p, (h) => h.emulator.requests.map((r) => `${r.key ?? ''}|${r.operation}${r.partNumber ?? ''}:${r.status}`));
    const mine = ops.filter((o) => o.split('|')[0]!.endsWith(name)).map((o) => o.split('|')[1]);
    expect(mine).not.toContain('CreateMultipartUpload:200');
    expect(mine).toContain('ListParts:200');
    expect(mine.filter((o) => o!.startsWith('UploadPart'))).toEqual(['UploadPart2:200']);
    expect(mine).toContain('CompleteMultipartUpload:200');
    await expect.poll(() => remembered(p), POLL).toEqual([]);
    await row(p, name).waitFor();
    expect(await storedSha256(p, name)).toBe(sha256(data));
    expect(await demoHooks(p, (h) => h.emulator.store.listUploads('sessionbox-demo').length)).toBe(0);
  }

  it('keeps the picked file\'s handle and, after a reload, continues by itself, sending only the missing parts', async () => {
    const { context, page: p } = await newPage(browser);
    p.on('pageerror', (err) => console.error('page error:', err));
    let inputChooser = false;
    p.on('filechooser', () => (inputChooser = true));
    try {
      await stubFilePicker(context);
      const data = await interruptedPick(p, 'trip.mov', 73);
      expect(inputChooser).toBe(false);
      const [record] = await remembered(p);
      expect(record!.path).toBe('trip.mov');
      expect(record!.handle).toEqual({ kind: 'file', name: 'trip.mov', isHandle: true });
      expect(RESUME_RECORD_FIELDS).toEqual(expect.arrayContaining(Object.keys(record!)));
      expect(record!.parts.map((q) => q.partNumber).sort()).toEqual([1, 3]);
      for (const q of record!.parts) expect(q.crc32).toBe(referenceCrc32(data.subarray((q.partNumber - 1) * 16 * MiB, q.partNumber * 16 * MiB)));
      expect(JSON.stringify(record)).not.toMatch(/ASIA|SessionToken|SecretKey/i);

      // Nothing is added again: the page finds the file through the kept handle, and never shows the
      // unfinished-uploads notice (recorded from the reload's first node on).
      const noticeShown = await watchNotice(context);
      await p.reload();
      await finishedByResume(p, 'trip.mov', data);
      expect(await noticeShown(p)).toBe(false);
      expect(await p.evaluate(() => (window as unknown as { __pickerCalls: unknown[] }).__pickerCalls)).toEqual([]);
    } finally {
      await context.close();
    }
  }, limit(360_000));

  it('offers a one-click Resume where the browser asks for permission again, asking within the click', async () => {
    const { context, page: p } = await newPage(browser);
    p.on('pageerror', (err) => console.error('page error:', err));
    try {
      await stubFilePicker(context);
      const data = await interruptedPick(p, 'talk.mov', 79);
      // As after a browser restart: reading the kept file needs the person's permission, which the
      // browser only asks for inside a click (user activation).
      await context.addInitScript(() => {
        const w = window as unknown as { __requests: boolean[] };
        w.__requests = [];
        const proto = FileSystemHandle.prototype as unknown as Record<string, unknown>;
        proto.queryPermission = async () => 'prompt';
        proto.requestPermission = async () => {
          w.__requests.push(navigator.userActivation.isActive);
          return 'granted';
        };
      });
      const noticeShown = await watchNotice(context);
      await p.reload();
      const notice = p.getByTestId('unfinished-uploads');
      await notice.waitFor();
      // The watcher sees what the page shows (so its false above is evidence).
      expect(await noticeShown(p)).toBe(true);
      expect(await notice.textContent()).toMatch(/An upload did not finish last time.*talk\.mov.*Allow reading the file again to continue/s);
      await p.getByRole('button', { name: 'Resume the upload of talk.mov' }).click();
      await notice.waitFor({ state: 'detached' });
      await finishedByResume(p, 'talk.mov', data);
      expect(await p.evaluate(() => (window as unknown as { __requests: boolean[] }).__requests)).toEqual([true]);
    } finally {
      await context.close();
    }
  }, limit(360_000));

  it('uses the <input type=file> where the browser has no File System Access picker', async () => {
    const { context, page: p } = await newPage(browser);
    try {
      await withoutFilePicker(context);
      await p.goto(server.url);
      await p.getByText('This folder is empty').waitFor();
      expect(await p.evaluate(() => 'showOpenFilePicker' in window)).toBe(false);
      const [chooser] = await Promise.all([p.waitForEvent('filechooser'), p.getByRole('button', { name: 'Upload files' }).click()]);
      expect(chooser.isMultiple()).toBe(true);
      expect(await chooser.element().evaluate((el) => (el as HTMLInputElement).type)).toBe('file');
      await chooser.setFiles([{ name: 'plain.txt', mimeType: 'text/plain', buffer: Buffer.from('through the input') }]);
      await row(p, 'plain.txt').waitFor();
    } finally {
      await context.close();
    }
  });
});

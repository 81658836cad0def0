// Screenshots of the demo and the widget, for the README and for before/after comparisons. Starts
// what it needs (a Vite dev server in demo mode, Debian's Chromium, and for the widget its build, a
// host page and the AWS emulation over HTTP), takes every view in scripts/screenshots/views.ts and
// stops it all again. Each view starts from an empty demo in a browser context of its own.

import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { launchOptions, newPage, root } from '../tests/support/browser.ts';
import { Services } from './screenshots/services.ts';
import { DEFAULT_WIDTHS, heightFor, VIEWS, type View } from './screenshots/views.ts';

const USAGE = `Usage: tsx scripts/screenshots.ts [--out DIR] [--only NAME ...] [--no-readme] [--list]

  --out        where the PNGs go, as <view>-<width>.png (default /tmp/shots)
  --only       take only the views whose name starts with NAME; repeatable
  --no-readme  leave docs/screenshot.png alone (the "readme" view still lands in --out)
  --list       print the views and exit`;

function parse() {
  try {
    return parseArgs({
      options: {
        out: { type: 'string', default: '/tmp/shots' },
        only: { type: 'string', multiple: true },
        'no-readme': { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }).values;
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

/** Fonts loaded, images decoded, two frames painted: what is on screen is what was prepared. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await document.fonts.ready;
    await Promise.all([...document.images].filter((img) => !img.complete).map((img) => img.decode().catch(() => undefined)));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
}

async function take(browser: Browser, services: Services, view: View, out: string, readme: boolean): Promise<string[]> {
  const widths = view.widths ?? DEFAULT_WIDTHS;
  const { context, page } = await newPage(browser, { width: widths[0], height: view.height ?? heightFor(widths[0]!), colorScheme: view.scheme ?? 'light' });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  try {
    await view.prepare(page, services);
    const written: string[] = [];
    for (const width of widths) {
      await page.setViewportSize({ width, height: view.height ?? heightFor(width) });
      await settle(page);
      const path = join(out, `${view.name}-${width}.png`);
      await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
      written.push(path);
    }
    if (view.copyTo && readme) {
      const target = join(root, view.copyTo);
      await copyFile(written[0]!, target);
      written.push(target);
    }
    if (errors.length) console.warn(`  ${view.name}: page errors: ${errors.join('; ')}`);
    return written;
  } finally {
    await context.close();
  }
}

async function main(): Promise<number> {
  const args = parse();
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.list) {
    for (const v of VIEWS) console.log(`${v.name.padEnd(18)} ${(v.widths ?? DEFAULT_WIDTHS).join(', ').padEnd(10)} ${v.about}`);
    return 0;
  }
  const only = args.only ?? [];
  const views = VIEWS.filter((v) => only.length === 0 || only.some((o) => v.name.startsWith(o)));
  if (views.length === 0) {
    console.error(`error: no view matches ${only.join(', ')} (see --list)`);
    return 2;
  }
  const out = resolve(args.out);
  await mkdir(out, { recursive: true });

  const started = Date.now();
  const services = new Services();
  let browser: Browser | undefined;
  let failed = 0;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    await services.stopAll();
  };
  const interrupted = () => void stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    browser = await chromium.launch(launchOptions);
    for (const view of views) {
      const t0 = Date.now();
      try {
        const written = await take(browser, services, view, out, !args['no-readme']);
        console.log(`${view.name}: ${written.join(', ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        failed++;
        console.error(`${view.name}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } finally {
    await stop();
  }
  console.log(`${views.length - failed} of ${views.length} views in ${((Date.now() - started) / 1000).toFixed(1)} s, in ${out}`);
  return failed ? 1 : 0;
}

// Exits explicitly: Vite's and Playwright's helpers can keep the event loop alive after they close.
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

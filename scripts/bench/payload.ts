// Payload: what a browser downloads, gzip -9, for the app's first page, the widget, and Uppy built
// with the same Vite settings (production, target es2022).

import { readFile, readdir } from 'node:fs/promises';
import { join, dirname, relative, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type InlineConfig, type Rollup } from 'vite';

export const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

export interface Size {
  files: number;
  raw: number;
  gzip: number;
  js: number;
  css: number;
}

async function gz(file: string): Promise<{ raw: number; gzip: number }> {
  const data = await readFile(file);
  return { raw: data.length, gzip: gzipSync(data, { level: 9 }).length };
}

async function sizeOf(dir: string, files: string[]): Promise<Size> {
  const out: Size = { files: files.length, raw: 0, gzip: 0, js: 0, css: 0 };
  for (const f of files) {
    const s = await gz(join(dir, f));
    out.raw += s.raw;
    out.gzip += s.gzip;
    if (f.endsWith('.css')) out.css += s.gzip;
    else out.js += s.gzip;
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out;
}

/** Vite's build() with NODE_ENV=production (a dev-mode Svelte would be measured otherwise). */
export async function viteBuild(config: InlineConfig): Promise<Rollup.RollupOutput[]> {
  const env = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const r = await build({ logLevel: 'silent', clearScreen: false, ...config });
    return (Array.isArray(r) ? r : [r]) as Rollup.RollupOutput[];
  } finally {
    process.env.NODE_ENV = env;
  }
}

export interface AppPayload {
  initial: Size;
  initialFiles: string[];
  total: Size;
}

/**
 * Builds the app into outDir and measures what index.html loads before anything is lazily
 * imported: its module script and stylesheets, every static import of those (transitively; the
 * modulepreload links say the same), not dynamic imports.
 */
export async function appPayload(outDir: string): Promise<AppPayload> {
  const outputs = await viteBuild({ root, mode: 'production', build: { outDir, emptyOutDir: true } });
  const chunks = new Map<string, Rollup.OutputChunk>();
  for (const o of outputs) for (const item of o.output) if (item.type === 'chunk') chunks.set(item.fileName, item);
  const html = await readFile(join(outDir, 'index.html'), 'utf8');
  const refs = (re: RegExp) => [...html.matchAll(re)].map((m) => posix.normalize(m[1]!.replace(/^\.\//, '')));
  const scripts = refs(/<script[^>]+type="module"[^>]+src="([^"]+)"/g);
  const preloads = refs(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g);
  const styles = refs(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g);
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    const c = chunks.get(f);
    for (const i of c?.imports ?? []) visit(i);
    for (const css of (c as { viteMetadata?: { importedCss?: Set<string> } } | undefined)?.viteMetadata?.importedCss ?? []) seen.add(css);
  };
  for (const f of [...scripts, ...preloads]) visit(f);
  for (const s of styles) seen.add(s);
  const initialFiles = [...seen].sort();
  const all = (await walk(outDir)).filter((f) => /\.(js|css)$/.test(f) && !f.startsWith('mockServiceWorker'));
  return { initial: await sizeOf(outDir, initialFiles), initialFiles, total: await sizeOf(outDir, all.filter((f) => f.endsWith('.js'))) };
}

/** `vite build --mode widget` into outDir; the ES module build with every chunk and stylesheet it has. */
export async function widgetPayload(outDir: string): Promise<Size & { names: string[] }> {
  await viteBuild({ root, mode: 'widget', build: { outDir, emptyOutDir: true } });
  const names = (await walk(outDir)).filter((f) => /\.(js|css)$/.test(f) && !f.includes('.classic.'));
  return { ...(await sizeOf(outDir, names)), names };
}

/** Uppy core + dashboard + aws-s3 and their CSS from a tiny entry, with the app's Vite settings. */
export async function uppyPayload(outDir: string): Promise<Size> {
  const entryDir = join(dirname(new URL(import.meta.url).pathname), 'entries', 'uppy');
  await viteBuild({ root: entryDir, configFile: false, base: './', publicDir: false, build: { outDir, emptyOutDir: true, target: 'es2022', sourcemap: false } });
  const names = (await walk(outDir)).filter((f) => /\.(js|css)$/.test(f));
  return sizeOf(outDir, names);
}

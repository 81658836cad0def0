/// <reference types="vitest/config" />
import { existsSync, readFileSync } from 'node:fs';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { limit } from './tests/support/limits.ts';

/** Test files that drive Chromium: they share the services started by their global setup. */
const BROWSER_TESTS = ['tests/browser/**/*.test.ts', 'tests/widget/embed.test.ts'];

/**
 * `vite build --mode widget`: the embeddable <sessionbox-upload> element into dist/widget/, as an
 * ES module and as a classic script, each one self-contained file (no lazy chunks to host or to
 * allow in a CSP). Only src/widget/ is compiled as a custom element.
 */
const widget: UserConfig = {
  plugins: [
    svelte({
      // No window.__svelte version marker: the widget writes nothing to the host page.
      compilerOptions: { discloseVersion: false },
      dynamicCompileOptions: ({ filename }) => (/[/\\]src[/\\]widget[/\\]/.test(filename) ? { customElement: true } : undefined),
    }),
  ],
  base: './',
  publicDir: false,
  build: {
    target: 'es2022',
    sourcemap: false,
    outDir: 'dist/widget',
    emptyOutDir: true,
    // Not library mode: that leaves the ES build's whitespace unminified.
    rollupOptions: {
      input: 'src/widget/main.ts',
      output: [
        { format: 'es', entryFileNames: 'sessionbox-upload.js' },
        { format: 'iife', entryFileNames: 'sessionbox-upload.classic.js' },
      ],
    },
  },
};

/** What only the offline demo needs, beside the app: its config.json and MSW's service worker. */
const DEMO_FILES = ['config.json', 'mockServiceWorker.js'];

/**
 * Serves the demo's files in development and writes them into `npm run build:demo`; a production
 * build gets none of them. An operator's own public/config.json (e.g. pointing at `npm run
 * local-aws`) wins over the demo's.
 */
function demoFiles(build: boolean): Plugin {
  const read = (name: string) => readFileSync(new URL(`src/demo/public/${name}`, import.meta.url));
  return {
name: 'sessionbox-demo-files',
configureServer(server) {
  server.middlewares.use((req, res, next) => {
    const name = req.url?.split('?')[0]?.slice(1) ?? '';
    if (!DEMO_FILES.includes(name) || existsSync(new URL(`public/${name}`, import.meta.url))) return next();
    res.setHeader('content-type', name.endsWith('.js') ? 'text/javascript' : 'application/json');
    res.end(read(name));
  });
},
generateBundle() {
  if (!build) return;
  for (const name of DEMO_FILES) this.emitFile({ type: 'asset', fileName: name, source: read(name) });
},
  };
}

export default defineConfig(({ mode, command }) => {
  if (mode === 'widget') return widget;
  // `npm start` and `npm run build:demo` carry the demo; `npm run build` is production only.
  const demo = command === 'serve' || mode === 'demo';
  return {
    plugins: [svelte(), ...(demo ? [demoFiles(command === 'build')] : [])],
    define: { __SESSIONBOX_DEMO__: JSON.stringify(demo) },
    // Relative asset URLs, so one build works from any path (https://host/, https://host/files/, ...).
    base: './',
    server: { host: '127.0.0.1' },
    preview: { host: '127.0.0.1' },
    // Lazily imported deps the dev server would otherwise discover mid-session and re-bundle,
    // reloading the page under the user.
    optimizeDeps: { include: ['client-zip'] },
    build: {
      target: 'es2022',
      sourcemap: false,
      rollupOptions: {
        // The demo's stand-in sign-in page is a page of its own: a service worker cannot
        // answer the navigation to an authorization endpoint.
        input: { main: 'index.html', ...(demo ? { 'demo-sign-in': 'demo-sign-in.html' } : {}) } as Record<string, string>,
      },
    },
    test: {
      // Limits, not evidence: a test that waits this long has failed; see tests/support/limits.ts.
      testTimeout: limit(90_000),
      // A browser file's beforeAll may wait for the shared cold start (build, dependency optimization).
      hookTimeout: limit(300_000),
      // expect.poll's own default (1 s) is a wall-clock bound; polls give up at a scaled limit instead.
      expect: { poll: { timeout: limit(30_000) } },
      // Two cores: more files at once only make each wait longer for the CPU.
      maxWorkers: 2,
      projects: [
        { extends: true, test: { name: 'node', include: ['tests/**/*.test.ts'], exclude: BROWSER_TESTS } },
        {
          extends: true,
          // One Chromium, one warmed dev server and one build for every browser file.
          test: { name: 'browser', include: BROWSER_TESTS, globalSetup: ['tests/support/shared-services.ts'] },
        },
      ],
    },
  };
});

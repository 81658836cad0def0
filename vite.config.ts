/// <reference types="vitest/config" />
import { defineConfig, type UserConfig } from 'vite';
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

export default defineConfig(({ mode }) =>
  mode === 'widget'
    ? widget
    : {
        plugins: [svelte()],
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
            input: { main: 'index.html', 'demo-sign-in': 'demo-sign-in.html' },
          },
        },
        test: {
          // Limits, not evidence: a test that waits this long has failed; see tests/support/limits.ts.
          testTimeout: limit(90_000),
          hookTimeout: limit(180_000),
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
      },
);

import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // src/widget/ is compiled as a custom element only by the widget build (vite.config.ts), so
    // tools that compile it without that option would warn about its <svelte:options customElement>.
    warningFilter: (w) => !(w.code === 'options_missing_custom_element' && /(^|[/\\])src[/\\]widget[/\\]/.test(w.filename ?? '')),
  },
};

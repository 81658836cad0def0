// Amplify's upload UIs, measured like Uppy (Vite production build, target es2022, gzip -9, every
// chunk), for the payload comparison in BENCHMARKS.md. Not part of npm run bench: Amplify brings
// React and ~170 packages, so it is installed into a temporary directory outside the repository
// (network needed) and never becomes a dependency. Usage: npx tsx scripts/bench/amplify.ts [dir]

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'amplify-measure-')));
if (!existsSync(join(dir, 'node_modules', '@aws-amplify', 'ui-react-storage'))) {
  await writeFile(join(dir, 'package.json'), '{"name":"amplify-measure","private":true,"type":"module"}');
  execFileSync('npm', ['i', '--no-audit', '--no-fund', '--ignore-scripts', '@aws-amplify/ui-react-storage', 'aws-amplify', 'react', 'react-dom', 'vite@8'], { cwd: dir, stdio: 'inherit' });
}

const common = `import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { Amplify } from 'aws-amplify';
Amplify.configure({ Auth: { Cognito: { identityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000000', allowGuestAccess: true } }, Storage: { S3: { bucket: 'bucket', region: 'us-east-1' } } });
`;
const entries: Record<string, string> = {
  FileUploader: `${common}import { FileUploader } from '@aws-amplify/ui-react-storage';
import '@aws-amplify/ui-react-storage/styles.css';
createRoot(document.getElementById('root')).render(h(FileUploader, { acceptedFileTypes: ['*/*'], path: ({ identityId }) => \`uploads/\${identityId}/\`, maxFileCount: 10 }));
`,
  StorageBrowser: `${common}import { createAmplifyAuthAdapter, createStorageBrowser } from '@aws-amplify/ui-react-storage/browser';
import '@aws-amplify/ui-react-storage/styles.css';
const { StorageBrowser } = createStorageBrowser({ config: createAmplifyAuthAdapter() });
createRoot(document.getElementById('root')).render(h(StorageBrowser));
`,
};

for (const [name, code] of Object.entries(entries)) {
  const src = join(dir, name);
  await mkdir(src, { recursive: true });
  await writeFile(join(src, 'main.js'), code);
  await writeFile(join(src, 'index.html'), '<!doctype html><html><body><div id="root"></div><script type="module" src="./main.js"></script></body></html>');
  const { build } = (await import(join(dir, 'node_modules', 'vite', 'dist', 'node', 'index.js'))) as typeof import('vite');
  const out = join(dir, `${name}-dist`);
  process.env.NODE_ENV = 'production';
  await build({ root: src, configFile: false, logLevel: 'silent', base: './', publicDir: false, build: { outDir: out, emptyOutDir: true, target: 'es2022', sourcemap: false } });
  let js = 0;
  let css = 0;
  for (const e of await readdir(out, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !/\.(js|css)$/.test(e.name)) continue;
    const n = gzipSync(await readFile(join(e.parentPath, e.name)), { level: 9 }).length;
    if (e.name.endsWith('.css')) css += n;
    else js += n;
  }
  console.log(`${name}: ${js} B JS + ${css} B CSS = ${((js + css) / 1000).toFixed(1)} KB gzip`);
}

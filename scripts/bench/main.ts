// npm run bench [-- --quick] [-- --write]: payload, upload throughput and memory, start-up requests,
// a 100,000-object listing and a 10,000-object folder delete, each printed with its goal and a
// pass/fail mark. The full run writes its table into BENCHMARKS.md (between the generated-section
// markers, keeping the notes around them); --quick (256 MiB upload) only prints, unless --write.
// Not part of npm test. See BENCHMARKS.md for what each row measures.

import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { appBench, type AppResults } from './app.ts';
import { launchOptions } from './browser.ts';
import { appPayload, root, uppyPayload, widgetPayload } from './payload.ts';
import { uploadBench, type UploadResults } from './upload.ts';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, write: { type: 'boolean', default: false }, rounds: { type: 'string' }, only: { type: 'string' }, tune: { type: 'boolean', default: false }, configs: { type: 'string' } },
});
const quick = args.quick!;
const MiB = 1024 * 1024;
const size = quick ? 256 * MiB : 1024 * MiB;
// Three rounds: the median survives one run disturbed by the other jobs on a shared machine.
const rounds = Number(args.rounds ?? 3);
const only = args.only ? new Set(args.only.split(',')) : undefined;
const want = (s: string) => !only || only.has(s);
const log = (s: string) => console.log(s);

interface Row {
  section: string;
  what: string;
  value: string;
  goal: string;
  /** undefined: no budget, informational. */
  pass?: boolean;
}
const rows: Row[] = [];
const row = (section: string, what: string, value: string, goal = '—', pass?: boolean) => rows.push({ section, what, value, goal, pass });
const kb = (b: number) => `${(b / 1000).toFixed(1)} KB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const version = async (pkg: string) => JSON.parse(await readFile(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version as string;

const started = Date.now();
const loadStart = loadavg();
const tmp = await mkdtemp(join(tmpdir(), 'sessionbox-bench-'));
const notes: string[] = [];
let upload: UploadResults | undefined;
let app: AppResults | undefined;
let chromiumVersion = '?';

try {
  const b = await chromium.launch(launchOptions);
  chromiumVersion = b.version();
  await b.close();

  log(`sessionbox bench${quick ? ' (quick)' : ''}: upload ${size / MiB} MiB x ${rounds} rounds; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
  const appDir = join(tmp, 'app');

  if (want('payload') || want('app')) {
    log('payload: building the app, the widget and Uppy with Vite…');
    const a = await appPayload(appDir);
    const w = await widgetPayload(join(tmp, 'widget'));
    const u = await uppyPayload(join(tmp, 'uppy'));
    row('payload', `SPA initial JS+CSS (what index.html loads, ${a.initial.files} files)`, `${kb(a.initial.gzip)} (JS ${kb(a.initial.js)}, CSS ${kb(a.initial.css)})`, '≤ 120 KB', a.initial.gzip <= 120_000);
    row('payload', `SPA JS total (${a.total.files} chunks, lazy included)`, kb(a.total.js));
    row('payload', `widget, ES build, every chunk (${w.names.join(', ')}; styles inside)`, kb(w.gzip), '≤ 35 KB', w.gzip <= 35_000);
    row('payload', 'Uppy core + dashboard + aws-s3, same Vite settings', `${kb(u.gzip)} (JS ${kb(u.js)}, CSS ${kb(u.css)})`);
    row('payload', 'widget / Uppy', `${(w.gzip / u.gzip).toFixed(2)}x`);
    row('payload', 'Amplify FileUploader / StorageBrowser', 'not built here (React, ~170 packages): npx tsx scripts/bench/amplify.ts, figures in the notes');
    if (want('app')) {
      log('start-up, listing, delete: the built app against the emulation over HTTP…');
      app = await appBench({ appDir, listObjects: 100_000, deleteObjects: 10_000, log });
      const s = app.startup;
      if (s) {
        row('payload', `SPA JS+CSS fetched before the first listing (${s.loadedFiles} files)`, kb(s.loadedJsGzip), '≤ 120 KB', s.loadedJsGzip <= 120_000);
        const ops = (o: Record<string, number>) => Object.entries(o).filter(([k]) => k !== 'preflight').map(([k, v]) => `${k}${v > 1 ? ` x${v}` : ''}`).join(', ');
        row('start-up', 'requests before the first listing, first visit', `${s.firstTotal} (${ops(s.first)}) + ${s.firstPreflights} preflights`, '3', s.firstTotal <= 3);
        // The issue allows 1 or an explained trade-off: credentials are never persisted (see
        // BENCHMARKS.md, Start-up), so a reload may make exactly one Cognito call more than the
        // listing, and never GetId (the identity id is cached).
        const reloadOk = s.reloadTotal <= 1 || (s.reloadTotal === 2 && s.reload.GetCredentialsForIdentity === 1 && s.reload.ListObjectsV2 === 1);
        row('start-up', 'requests before the first listing, reload', `${s.reloadTotal} (${ops(s.reload)}) + ${s.reloadPreflights} preflights`, '1, or 2 = GetCredentialsForIdentity + listing (credentials never persisted: BENCHMARKS.md)', reloadOk);
      }
      const l = app.listing;
      if (l) {
        row('listing', `${l.objects.toLocaleString('en')} objects: time to first rows`, `${l.firstRowsMs.toFixed(0)} ms`, '≤ 1000 ms (ours)', l.firstRowsMs <= 1000);
        row('listing', 'all pages listed in the background', `${sec(l.allLoadedMs)} (${l.listRequests} ListObjectsV2)`);
        row('listing', 'row elements in the DOM (max while scrolling)', `${l.rowsInDom} (${l.maxRowsWhileScrolling})`, '≤ 200', Math.max(l.rowsInDom, l.maxRowsWhileScrolling) <= 200);
        row('listing', `frame time while scrolling, ${l.frames.n} frames p50 / p95 / max`, `${l.frames.p50.toFixed(1)} / ${l.frames.p95.toFixed(1)} / ${l.frames.max.toFixed(0)} ms`, 'p95 ≤ 50 ms (ours)', l.frames.p95 <= 50);
      }
      const d = app.deletion;
      if (d) {
        const others = Object.entries(d.ops).filter(([k]) => !['preflight', 'DeleteObjects', 'ListObjectsV2'].includes(k));
        row('delete', `folder of ${d.objects.toLocaleString('en')} objects: requests`, `${d.deleteObjects} DeleteObjects + ${d.listPages} list pages${others.length ? ` + ${others.map(([k, v]) => `${v} ${k}`).join(', ')}` : ''} + ${d.ops.preflight ?? 0} preflights, ${sec(d.ms)}`, '≤ 10 DeleteObjects + list pages', d.deleteObjects <= 10 && others.length === 0);
      }
      for (const e of app.errors) notes.push(`app: ${e}`);
    }
  }

  if (want('upload')) {
    log(`upload: ${size / MiB} MiB in Chromium ${chromiumVersion} to a loopback sink…`);
    upload = await uploadBench({ size, rounds, quick, tune: args.tune, only: args.configs?.split(','), log });
    for (const r of upload.repeated) notes.push(`upload run repeated after a failure: ${r}`);
    const med = (id: string) => median(upload!.samples[id]!.map((s) => s.ms));
    for (const c of upload.configs) {
      const ss = upload.samples[c.id]!;
      const peak = Math.max(...ss.map((s) => s.peakHeap));
      const isSb = c.kind === 'sessionbox';
      row('upload', `${c.label}: time (each round)`, `${sec(med(c.id))} (${ss.map((s) => sec(s.ms)).join(', ')})`);
      row('upload', `${c.label}: requests + preflights`, `${ss[0]!.requests} + ${ss[0]!.preflights}`);
      row('memory', `${c.label}: peak JS heap`, `${mib(peak)} (baseline ${mib(ss[0]!.baseHeap)})`, isSb ? '≤ 32 MiB' : '—', isSb ? peak <= 32 * MiB : undefined);
    }
    const raws = upload.configs.filter((c) => c.kind === 'raw' || c.kind === 'single');
    const uppys = upload.configs.filter((c) => c.kind === 'uppy');
    const best = raws.length ? raws.reduce((a, c) => (med(c.id) < med(a.id) ? c : a)) : undefined;
    // The goal is against Uppy as it comes (its default parts); other Uppy settings are printed beside it.
    const defaultUppy = uppys.find((c) => !c.partSize);
    const same = upload.configs.find((c) => c.kind === 'raw' && c.partSize === upload!.defaults.partSize && c.parallel === upload!.defaults.parallelParts);
    for (const c of upload.configs.filter((x) => x.kind === 'sessionbox')) {
      const ss = upload.samples[c.id]!;
      if (best) {
        // Per round: against the best raw configuration of that same round.
        const perRound = ss.map((s, r) => s.ms / Math.min(...raws.map((x) => upload!.samples[x.id]![r]!.ms)));
        const vsRaw = med(c.id) / med(best.id);
        row('ratio', `${c.label} / best raw (${best.label})`, `${vsRaw.toFixed(2)}x (per round vs that round's best raw: ${perRound.map((x) => x.toFixed(2)).join(', ')})`, '≤ 1.1x', vsRaw <= 1.1);
      }
      if (same && !c.partSize) {
        const perRound = ss.map((s, r) => s.ms / upload!.samples[same.id]![r]!.ms);
        row('ratio', `${c.label} / ${same.label} (same parts: the engine's own overhead)`, `${(med(c.id) / med(same.id)).toFixed(2)}x (per round: ${perRound.map((x) => x.toFixed(2)).join(', ')})`);
      }
      for (const u of uppys) {
        const vsUppy = med(c.id) / med(u.id);
        const perRoundUppy = ss.map((s, r) => s.ms / upload!.samples[u.id]![r]!.ms);
        const isGoal = u === defaultUppy;
        row('ratio', `${c.label} / ${u.label}`, `${vsUppy.toFixed(2)}x (per round: ${perRoundUppy.map((x) => x.toFixed(2)).join(', ')})`, isGoal ? '≤ 0.7x' : '—', isGoal ? vsUppy <= 0.7 : undefined);
      }
    }
  }
} catch (err) {
  notes.push(`stopped early: ${(err as Error).stack ?? String(err)}`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}

const loadEnd = loadavg();
const mark = (r: Row) => (r.pass === undefined ? ' ' : r.pass ? '✓' : '✗');
const widths = [8, Math.max(...rows.map((r) => r.what.length)), Math.max(...rows.map((r) => r.value.length)), Math.max(...rows.map((r) => r.goal.length))];
console.log('');
for (const r of rows) console.log(`${mark(r)} ${r.section.padEnd(widths[0]!)} ${r.what.padEnd(widths[1]!)}  ${r.value.padEnd(widths[2]!)}  goal ${r.goal}`);
for (const n of notes) console.log(`! ${n}`);
const failed = rows.filter((r) => r.pass === false).length;
const elapsed = (Date.now() - started) / 1000;
console.log(`\n${rows.filter((r) => r.pass).length} pass, ${failed} fail, ${rows.filter((r) => r.pass === undefined).length} informational; ${elapsed.toFixed(0)} s; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')} at start, ${loadEnd.map((l) => l.toFixed(2)).join(' ')} at end`);

if ((!quick || args.write) && !only && !args.tune && !args.configs) {
  const [vite, svelte, pw, uc, ud, ua] = await Promise.all(['vite', 'svelte', 'playwright-core', '@uppy/core', '@uppy/dashboard', '@uppy/aws-s3'].map(version));
  const cpu = cpus();
  const md = [
    '<!-- bench:start (written by npm run bench; edit outside these markers) -->',
    `Run ${new Date().toISOString()}${quick ? ' (--quick)' : ''}, ${elapsed.toFixed(0)} s. Upload: ${size / MiB} MiB, ${rounds} rounds (configurations interleaved A B A B), a warm-up upload untimed.`,
    '',
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free), Linux ${release()}; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')} at start, ${loadEnd.map((l) => l.toFixed(2)).join(' ')} at end (other jobs shared the machine).`,
    `Versions: Node ${process.versions.node}, Chromium ${chromiumVersion} (Debian, headless), playwright-core ${pw}, Vite ${vite}, Svelte ${svelte}, @uppy/core ${uc}, @uppy/dashboard ${ud}, @uppy/aws-s3 ${ua}. Upload defaults measured: ${upload ? `${upload.defaults.partSize / MiB} MiB parts x ${upload.defaults.parallelParts}` : '?'} (DEFAULT_UPLOAD in src/lib/config.ts).`,
    '',
    '| | section | measured | value | goal |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${mark(r)} | ${r.section} | ${r.what} | ${r.value} | ${r.goal} |`),
    ...(notes.length ? ['', ...notes.map((n) => `- ${n.split('\n')[0]}`)] : []),
    '<!-- bench:end -->',
  ].join('\n');
  const file = join(root, 'BENCHMARKS.md');
  let current = '';
  try {
    current = await readFile(file, 'utf8');
  } catch {
    current = '# Benchmarks\n\n<!-- bench:start --><!-- bench:end -->\n';
  }
  const start = current.indexOf('<!-- bench:start');
  const endMark = '<!-- bench:end -->';
  const end = current.indexOf(endMark);
  const next = start >= 0 && end > start ? current.slice(0, start) + md + current.slice(end + endMark.length) : `${current.trimEnd()}\n\n${md}\n`;
  await writeFile(file, next);
  console.log(`wrote ${file}`);
}
process.exit(notes.some((n) => n.startsWith('stopped early')) ? 1 : 0);

// Pure listing logic (sorting, filtering, what kind of preview a file gets), kept out of the
// state classes so it can be tested without a DOM.

import type { Entry } from './types';

export type SortKey = 'name' | 'size' | 'modified';
export type SortDir = 'asc' | 'desc';

// Not Intl.Collator: it is too slow for a folder of 100,000 names (BENCHMARKS.md). A precomputed key
// compared with `<` gives the order people expect: case and accents ignored, digit runs compared
// as numbers ("file 2" before "file 10").
const sortKeys = new WeakMap<Entry, string>();
function nameKey(entry: Entry): string {
  let key = sortKeys.get(entry);
  if (key === undefined) {
    key = entry.name
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/\d+/g, (d) => d.replace(/^0+(?=\d)/, '').padStart(24, '0'));
    sortKeys.set(entry, key);
  }
  return key;
}

function compareNames(a: Entry, b: Entry): number {
  const ka = nameKey(a);
  const kb = nameKey(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Folders first (whatever the direction, as file managers do), then by the chosen column. */
export function sortEntries(entries: readonly Entry[], key: SortKey, dir: SortDir): Entry[] {
  const sign = dir === 'asc' ? 1 : -1;
  const byColumn =
    key === 'name'
      ? compareNames
      : key === 'size'
        ? (a: Entry, b: Entry) => a.size - b.size
        : (a: Entry, b: Entry) => (a.lastModified?.getTime() ?? 0) - (b.lastModified?.getTime() ?? 0);
  return entries.slice().sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'folder' ? -1 : 1;
    // Ties (e.g. folders, all size 0) stay in name order whichever way the column runs.
    return sign * byColumn(a, b) || compareNames(a, b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  });
}

/** Case- and accent-insensitive substring match on the name. */
export function matcher(query: string): (entry: Entry) => boolean {
  const needle = fold(query.trim());
  if (!needle) return () => true;
  return (entry) => fold(entry.name).includes(needle);
}

function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

export type PreviewKind = 'image' | 'text' | 'pdf' | 'audio' | 'video' | 'none';

const IMAGE: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  avif: 'image/avif', bmp: 'image/bmp', ico: 'image/x-icon', svg: 'image/svg+xml',
};
const AUDIO: Record<string, string> = {
  mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg', oga: 'audio/ogg', m4a: 'audio/mp4',
  aac: 'audio/aac', flac: 'audio/flac', opus: 'audio/ogg',
};
const VIDEO: Record<string, string> = { mp4: 'video/mp4', m4v: 'video/mp4', webm: 'video/webm', ogv: 'video/ogg', mov: 'video/quicktime' };
// Shown as plain text: markup (html, svg source, xml) included, as source, never rendered.
const TEXT = new Set(
  ('txt text md markdown csv tsv log json jsonl ndjson yaml yml toml ini cfg conf env xml html htm css scss less ' +
    'js mjs cjs ts tsx jsx svelte vue py rb go rs java kt c h cc cpp hpp cs php sh bash zsh fish ps1 bat sql ' +
    'r lua pl swift dart scala tex rst adoc gitignore dockerfile makefile properties gradle diff patch srt vtt').split(' '),
);

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return name.toLowerCase(); // "Makefile", "Dockerfile", ".gitignore"-like names
  return name.slice(dot + 1).toLowerCase();
}

/** How a file is previewed, and the Content-Type S3 is told to answer with for it. */
export function previewOf(entry: Entry): { kind: PreviewKind; contentType: string } {
  if (entry.kind !== 'file') return { kind: 'none', contentType: '' };
  const ext = extensionOf(entry.name.startsWith('.') ? entry.name.slice(1) : entry.name);
  if (IMAGE[ext]) return { kind: 'image', contentType: IMAGE[ext] };
  if (ext === 'pdf') return { kind: 'pdf', contentType: 'application/pdf' };
  if (AUDIO[ext]) return { kind: 'audio', contentType: AUDIO[ext] };
  if (VIDEO[ext]) return { kind: 'video', contentType: VIDEO[ext] };
  if (TEXT.has(ext)) return { kind: 'text', contentType: 'text/plain; charset=utf-8' };
  return { kind: 'none', contentType: '' };
}

// The open folder lives in the URL hash (#/photos/2024/) so reload, back/forward and bookmarks work
// on any static host without server rewrites. Each segment is percent-encoded, so odd names survive.

export function folderFromHash(hash: string): string {
  const raw = hash.replace(/^#\/?/, '');
  if (!raw) return '';
  try {
    const segments = raw.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    if (segments.some((s) => s === '' || s === '.' || s === '..')) return '';
    return segments.length ? `${segments.join('/')}/` : '';
  } catch {
    return ''; // malformed escape: fall back to the root rather than fail
  }
}

export function hashForFolder(folder: string): string {
  const segments = folder.split('/').filter((s) => s !== '');
  return `#/${segments.map((s) => `${encodeURIComponent(s)}/`).join('')}`;
}

export interface Crumb {
  name: string;
  folder: string;
}

export function crumbsFor(folder: string): Crumb[] {
  const crumbs: Crumb[] = [{ name: 'My files', folder: '' }];
  let acc = '';
  for (const segment of folder.split('/').filter((s) => s !== '')) {
    acc += `${segment}/`;
    crumbs.push({ name: segment, folder: acc });
  }
  return crumbs;
}

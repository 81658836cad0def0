// S3 lists keys in UTF-8 byte order. JavaScript compares UTF-16 code units, which disagrees for
// characters above U+FFFF versus U+E000..U+FFFF, so comparisons go through code-point order.

/** Compares two strings in UTF-8 byte (= code point) order. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (D800-DFFF) encode code points above FFFF, so they sort after E000-FFFF.
      if (x >= 0xd800 && y >= 0xd800) return rank(x) - rank(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

function rank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/**
 * The keys of one bucket in listing order. Inserts and deletes are O(1); the sorted array is rebuilt
 * lazily (one sort of the new keys plus a merge) when a listing needs it, so bulk loads of 100,000
 * keys stay fast and listings binary-search.
 */
export class SortedKeys {
  private sorted: string[] = [];
  private readonly present = new Set<string>();
  private added: string[] = [];
  private removed = 0;

  add(key: string): void {
    if (this.present.has(key)) return;
    this.present.add(key);
    this.added.push(key);
  }

  delete(key: string): void {
    if (!this.present.delete(key)) return;
    this.removed++;
  }

  has(key: string): boolean {
    return this.present.has(key);
  }

  clear(): void {
    this.sorted = [];
    this.present.clear();
    this.added = [];
    this.removed = 0;
  }

  get length(): number {
    return this.view().length;
  }

  at(i: number): string | undefined {
    return this.view()[i];
  }

  /** Index of the first key >= `key`. */
  lowerBound(key: string): number {
    const keys = this.view();
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first key > `key`. */
  upperBound(key: string): number {
    const i = this.lowerBound(key);
    return this.at(i) === key ? i + 1 : i;
  }

  /** Index of the first key at or after `from` that does not start with `prefix` (keys with a prefix are contiguous). */
  endOfPrefix(prefix: string, from: number): number {
    const keys = this.view();
    let lo = from;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]!.startsWith(prefix)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private view(): string[] {
    if (this.removed > 0) {
      this.sorted = this.sorted.filter((k) => this.present.has(k));
      this.added = this.added.filter((k) => this.present.has(k));
      this.removed = 0;
    }
    if (this.added.length > 0) {
      const fresh = this.added.sort(compareKeys);
      this.added = [];
      this.sorted = mergeUnique(this.sorted, fresh);
    }
    return this.sorted;
  }
}

// A key deleted and added again before the next rebuild may appear twice; equal neighbours collapse.
function mergeUnique(a: string[], b: string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && compareKeys(a[i]!, b[j]!) <= 0) ? a[i++]! : b[j++]!;
    if (out.length === 0 || out[out.length - 1] !== next) out.push(next);
  }
  return out;
}

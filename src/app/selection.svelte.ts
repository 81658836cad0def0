import { SvelteSet } from 'svelte/reactivity';
import type { Entry } from './types';

/**
 * Which rows are selected and which one has the keyboard cursor, over a list that can be sorted,
 * filtered or replaced under it. Paths, not indexes, are kept, so a re-sort keeps the selection.
 */
export class Selection {
  readonly paths = new SvelteSet<string>();
  /** Path of the row with the keyboard cursor. */
  active = $state<string | undefined>();
  /** Where a shift-range starts. */
  #anchor: string | undefined;

  get size(): number {
    return this.paths.size;
  }

  has(path: string): boolean {
    return this.paths.has(path);
  }

  /** Selected entries in display order. */
  pick(rows: readonly Entry[]): Entry[] {
    if (this.paths.size === 0) return [];
    return rows.filter((e) => this.paths.has(e.path));
  }

  /** The selection, or the cursor row when nothing is selected (what Delete and F2 act on). */
  targets(rows: readonly Entry[]): Entry[] {
    const picked = this.pick(rows);
    if (picked.length) return picked;
    const active = rows.find((e) => e.path === this.active);
    return active ? [active] : [];
  }

  activeIndex(rows: readonly Entry[]): number {
    return this.active === undefined ? -1 : rows.findIndex((e) => e.path === this.active);
  }

  /** A click: plain selects only this row, toggle (Ctrl/Cmd) adds or removes it, range (Shift) extends from the anchor. */
  click(rows: readonly Entry[], index: number, mods: { toggle?: boolean; range?: boolean } = {}): void {
    const entry = rows[index];
    if (!entry) return;
    if (mods.range && this.#anchor !== undefined) {
      const from = rows.findIndex((e) => e.path === this.#anchor);
      if (from >= 0) {
        if (!mods.toggle) this.paths.clear();
        const [lo, hi] = from < index ? [from, index] : [index, from];
        for (let i = lo; i <= hi; i++) this.paths.add(rows[i]!.path);
        this.active = entry.path;
        return;
      }
    }
    if (mods.toggle) this.toggle(entry.path);
    else {
      this.paths.clear();
      this.paths.add(entry.path);
    }
    this.#anchor = entry.path;
    this.active = entry.path;
  }

  toggle(path: string): void {
    if (this.paths.has(path)) this.paths.delete(path);
    else this.paths.add(path);
    this.#anchor = path;
    this.active = path;
  }

  /** Keyboard cursor movement; with `extend` (Shift) the range from the anchor is selected. */
  moveTo(rows: readonly Entry[], index: number, extend = false): void {
    const i = Math.max(0, Math.min(rows.length - 1, index));
    const entry = rows[i];
    if (!entry) return;
    if (extend) {
      if (this.#anchor === undefined) this.#anchor = this.active ?? entry.path;
      this.click(rows, i, { range: true });
    } else {
      this.active = entry.path;
      this.#anchor = entry.path;
    }
  }

  selectAll(rows: readonly Entry[]): void {
    for (const e of rows) this.paths.add(e.path);
  }

  clear(): void {
    this.paths.clear();
  }

  /** Forgets everything (another folder was opened). */
  reset(): void {
    this.paths.clear();
    this.active = undefined;
    this.#anchor = undefined;
  }

  /** Drops paths no longer listed (deleted, moved, filtered out). */
  prune(rows: readonly Entry[]): void {
    if (this.paths.size === 0 && this.active === undefined) return;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup
    const listed = new Set(rows.map((e) => e.path));
    for (const p of [...this.paths]) if (!listed.has(p)) this.paths.delete(p);
    if (this.active !== undefined && !listed.has(this.active)) this.active = undefined;
  }
}

// The one size formatter, shared by the app, the widget and the core's messages.

import { describe, expect, it } from 'vitest';
import { formatSize } from '../../src/lib/format.ts';

describe('formatSize', () => {
  it('uses decimal units, one decimal below 10, and "B" for bytes', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(999)).toBe('999 B');
    expect(formatSize(1000)).toBe('1 kB');
    expect(formatSize(1234)).toBe('1.2 kB');
    expect(formatSize(307_200)).toBe('307 kB');
    expect(formatSize(5 * 1024 ** 3)).toBe('5.4 GB');
  });

  it("speaks the locale's numbers", () => {
    expect(formatSize(1_300_000, 'de')).toBe('1,3 MB');
    expect(formatSize(999, 'de')).toBe('999 B');
  });
});

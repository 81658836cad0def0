// Light, dark or the system's choice. The choice is a UI preference (not a secret), kept in
// localStorage; it is applied as data-theme on <html> from main.ts before anything mounts, so no
// inline script is needed and the strict CSP holds. Without data-theme, theme.css follows
// prefers-color-scheme.

export type ThemeChoice = 'light' | 'dark' | 'system';

const KEY = 'sessionbox.theme';

export function storedTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system'; // storage blocked (privacy settings): the system's choice
  }
}

export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
}

export function setTheme(choice: ThemeChoice): void {
  applyTheme(choice);
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // Not remembered, but applied for this page.
  }
}

// Debian Chromium through playwright-core, with the flags from /work/shared/chromium.md (without
// the networking ones Chromium keeps dialling hosts this machine cannot reach).

export const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};

// loadConfig: where the demo is built in, a missing config.json means the demo; in a production
// build a missing, unreadable or "demo" config.json is a configuration error naming the fix.

import { describe, expect, it } from 'vitest';
import { ConfigError, DEMO_CONFIG, loadConfig } from '../../src/lib/config.ts';

const answer = (body: string, init: ResponseInit = {}) => (async () => new Response(body, init)) as typeof fetch;
const json = (value: unknown) => answer(JSON.stringify(value), { headers: { 'content-type': 'application/json' } });
const html = answer('<!doctype html><title>sessionbox</title>', { headers: { 'content-type': 'text/html; charset=utf-8' } });
const notFound = answer('', { status: 404 });

async function problems(p: Promise<unknown>): Promise<{ field: string; message: string }[]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
}

const AWS = { region: 'us-east-1', bucket: 'files-bucket', identityPoolId: 'us-east-1:2b5c0b0e-1111-4222-8333-444455556666' };

describe('loadConfig in a production build', () => {
  it.each([
    ['a 404', notFound],
    ["a host's index.html in its place (SPA fallback)", html],
  ])('reports a missing config.json for %s, never the demo', async (_, fetchImpl) => {
    const [problem, ...rest] = await problems(loadConfig('config.json', fetchImpl));
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ field: 'config.json' });
    expect(problem!.message).toMatch(/^is missing\. Deploy the config\.json for your bucket next to index\.html/);
    expect(problem!.message).toContain('npm run build:demo');
  });

  it('refuses "mode": "demo", naming the field and both ways out', async () => {
    const [problem] = await problems(loadConfig('config.json', json({ mode: 'demo' })));
    expect(problem).toMatchObject({ field: 'mode' });
    expect(problem!.message).toMatch(/production build.*"mode": "aws".*npm run build:demo/s);
  });

  it('reports an unreadable file with its HTTP status', async () => {
    const [problem] = await problems(loadConfig('config.json', answer('AccessDenied', { status: 403 })));
    expect(problem).toMatchObject({ field: 'config.json' });
    expect(problem!.message).toMatch(/answered HTTP 403/);
  });

  it('reports a file that does not arrive at all', async () => {
    const [problem] = await problems(loadConfig('config.json', (async () => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch));
    expect(problem).toMatchObject({ field: 'config.json' });
    expect(problem!.message).toMatch(/could not be fetched \(TypeError: Failed to fetch\)/);
  });

  it('loads a valid aws config', async () => {
    expect(await loadConfig('config.json', json(AWS))).toMatchObject({ mode: 'aws', ...AWS });
  });
});

describe('loadConfig with the demo built in (dev server, npm run build:demo)', () => {
  it.each([
    ['a 404', notFound],
    ['an index.html in its place', html],
  ])('starts the demo for %s', async (_, fetchImpl) => {
    expect(await loadConfig('config.json', fetchImpl, { demo: true })).toEqual(DEMO_CONFIG);
  });

  it('starts the demo for "mode": "demo" and a real bucket for an aws config', async () => {
    expect(await loadConfig('config.json', json({ mode: 'demo' }), { demo: true })).toEqual(DEMO_CONFIG);
    expect(await loadConfig('config.json', json(AWS), { demo: true })).toMatchObject({ mode: 'aws', ...AWS });
  });
});

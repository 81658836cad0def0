// What the screenshot views run against, each started on first use and stopped by stopAll(): the
// demo on a Vite dev server of its own, and the built widget on a plain host page with the local AWS
// emulation over HTTP beside it.

import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { build } from 'vite';
import { createEmulator } from '../../src/mocks/emulator.ts';
import { serveEmulator } from '../../src/mocks/http.ts';
import { createDevServer, freePort, removeTempFiles, root, type Served } from '../../tests/support/browser.ts';

export const WIDGET_BUCKET = 'sessionbox-widget-shots';
export const WIDGET_POOL = 'us-east-1:5c0e5e55-0000-4000-8000-000000000001';

export interface WidgetSite {
  /** The host site's origin. */
  url: string;
  /** The local AWS emulation's base URL (S3 and Cognito). */
  aws: string;
  /** Serves a host page with the widget's module script and returns its URL. */
  page(name: string, body: string): string;
}

export class Services {
  #stops: Array<() => Promise<void>> = [];
  #demo?: Promise<Served>;
  #widget?: Promise<WidgetSite>;

  /** The demo app's URL (Vite dev server in demo mode, as `npm start`). */
  async demo(): Promise<string> {
    this.#demo ??= createDevServer().then((served) => {
      this.#stops.push(() => served.close());
      return served;
    });
    return (await this.#demo).url;
  }

  /** A plain host site serving the built widget (`vite build --mode widget`), and an emulation to upload to. */
  widget(): Promise<WidgetSite> {
    this.#widget ??= this.#startWidget();
    return this.#widget;
  }

  async #startWidget(): Promise<WidgetSite> {
    const outDir = await mkdtemp(join(tmpdir(), 'sessionbox-shots-widget-'));
    this.#stops.push(() => rm(outDir, { recursive: true, force: true }));
    // The widget build must be a production one, whatever NODE_ENV the caller has.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ root, mode: 'widget', logLevel: 'silent', clearScreen: false, build: { outDir, emptyOutDir: true } });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    const files = new Map<string, { body: string | Buffer; type: string }>();
    for (const name of await readdir(outDir)) files.set(`/widget/${name}`, { body: await readFile(join(outDir, name)), type: 'text/javascript' });

    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const emulator = createEmulator({ region: 'us-east-1', buckets: [WIDGET_BUCKET], identityPoolId: WIDGET_POOL, corsOrigins: [origin] });
    const aws = await serveEmulator(emulator, { port: 0, host: '127.0.0.1' });
    this.#stops.push(() => aws.close());

    const server: Server = createServer((req, res) => {
      const file = files.get(new URL(req.url ?? '/', origin).pathname);
      if (!file) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.#stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const awsUrl = aws.url.replace(/\/$/, '');
    return {
      url: origin,
      aws: awsUrl,
      page(name, body) {
        files.set(`/${name}`, { body, type: 'text/html; charset=utf-8' });
        return `${origin}/${name}`;
      },
    };
  }

  /** Stops everything started, newest first; never throws. */
  async stopAll(): Promise<void> {
    for (const stop of this.#stops.splice(0).reverse()) {
      await stop().catch((err: unknown) => console.error('screenshots: while stopping:', err));
    }
    await removeTempFiles();
  }
}

/** A `width`×`height` PNG of a soft evening gradient (no image libraries needed). */
export function gradientPng(width: number, height: number): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const t = y / (height - 1);
      const s = x / (width - 1);
      const i = row + 1 + x * 3;
      raw[i] = Math.round(40 + 215 * t);
      raw[i + 1] = Math.round(70 + 90 * t * (1 - s * 0.4));
      raw[i + 2] = Math.round(150 - 90 * t + 40 * s);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

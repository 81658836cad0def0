// Signed S3 requests over plain fetch (aws4fetch), for the widget's upload transport and for the
// app's listings, which so need no AWS SDK before the first folder appears. S3's small XML answers
// are read with a few regular expressions: S3 writes these elements without attributes, CDATA or
// nesting of the same name, and listings ask for encoding-type=url, so keys never hold markup. An
// XML library would weigh on the widget's size budget (BENCHMARKS.md) and DOMParser is not in node.

import { AwsV4Signer } from 'aws4fetch';
import type { CredentialSource, SessionCredentials } from './session-credentials.ts';
import { StorageError, describe, isAbort, storageError } from './errors.ts';

export interface S3FetchOptions {
  bucket: string;
  /** The bucket's region (signing scope). */
  region: string;
  credentials: CredentialSource;
  /** Base URL of an S3-compatible endpoint, e.g. http://127.0.0.1:4566. Default: AWS. */
  endpoint?: string;
  /** Address the bucket as {endpoint}/{bucket}/{key} instead of {bucket}.{host}/{key}. */
  forcePathStyle?: boolean;
  /** Looked up at call time by default, so test interceptors installed later still apply. */
  fetch?: typeof fetch;
}

/** Codes after which fresh credentials may succeed where the old ones failed (as in s3.ts). */
const RENEW_CODES = new Set(['ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'InvalidAccessKeyId']);

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references. */
export function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (m, e: string) => {
    if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** The decoded text of every <name>…</name> in `xml` (S3's elements carry no attributes). */
export function xmlValues(xml: string, name: string): string[] {
  const out: string[] = [];
  for (const m of xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))) out.push(xmlText(m[1]!));
  return out;
}

export function xmlValue(xml: string, name: string): string | undefined {
  return xmlValues(xml, name)[0];
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** RFC 3986 encoding of each key segment: the path is sent exactly as S3 signs it. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeRfc3986).join('/');
}

/** The StorageError for an S3 error answer (its XML body already read). */
export function answerError(status: number, body: string): StorageError {
  let code = xmlValue(body, 'Code') ?? `HTTP${status}`;
  const message = xmlValue(body, 'Message');
  // 412 is how conditional writes (If-None-Match: *) say the name is taken.
  if (status === 412 || code === 'PreconditionFailed') code = 'AlreadyExists';
  return storageError(code, { status, detail: message && message !== code ? message : undefined });
}

/** Sends one signed request; a non-2xx answer is thrown as StorageError. */
export type S3Send = (
  method: string,
  key: string,
  query: string,
  init: { headers?: Record<string, string>; body?: Blob | string },
  signal: AbortSignal | undefined,
) => Promise<Response>;

/**
 * Signed requests to one bucket: renews the credentials and repeats once when S3 says they
 * expired, and corrects the clock after RequestTimeTooSkewed (the caller's retry then succeeds).
 */
export function s3Fetch(opts: S3FetchOptions): S3Send {
  const { bucket, region, credentials } = opts;
  // Dotted bucket names do not match S3's wildcard certificate as a host name: path style, as the SDK does.
  const pathStyle = opts.forcePathStyle || bucket.includes('.');
  const base = new URL(opts.endpoint ?? `https://s3.${region}.amazonaws.com`);
  const origin = pathStyle ? `${base.origin}` : `${base.protocol}//${bucket}.${base.host}`;
  const basePath = base.pathname.replace(/\/$/, '') + (pathStyle ? `/${encodeURIComponent(bucket)}` : '');
  /** Server time minus ours, learned from RequestTimeTooSkewed answers (the engine retries those). */
  let skewMs = 0;
  const signerCache = new Map();

  return async function send(
    method: string,
    key: string,
    query: string,
    init: { headers?: Record<string, string>; body?: Blob | string },
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const url = `${origin}${basePath}/${encodeKey(key)}${query ? `?${query}` : ''}`;
    for (let renewed = false; ; renewed = true) {
      const creds: SessionCredentials = await credentials.get();
      if (!creds.sessionToken || creds.accessKeyId.startsWith('AKIA')) throw new StorageError('LongTermCredentials', describe('LongTermCredentials'));
      const signed = await new AwsV4Signer({
        method,
        url,
        headers: init.headers,
        // Never hashed: aws4fetch sends UNSIGNED-PAYLOAD for S3, so Blobs are not read into memory.
        body: init.body,
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        sessionToken: creds.sessionToken,
        service: 's3',
        region,
        cache: signerCache,
        datetime: new Date(Date.now() + skewMs).toISOString().replace(/[:-]|\.\d{3}/g, ''),
      }).sign();
      let res: Response;
      try {
        res = await (opts.fetch ?? fetch)(signed.url, { method, headers: signed.headers, body: init.body ?? null, signal });
      } catch (err) {
        if (signal?.aborted || isAbort(err)) throw new StorageError('Aborted', describe('Aborted'), { cause: err });
        throw storageError('NetworkError', { cause: err });
      }
      if (res.ok) return res;
      const body = await res.text().catch(() => '');
      const err = answerError(res.status, body);
      if (err.code === 'RequestTimeTooSkewed') {
        const server = Date.parse(xmlValue(body, 'ServerTime') ?? '');
        if (Number.isFinite(server)) skewMs = server - Date.now();
      }
      if (renewed || !RENEW_CODES.has(err.code)) throw err;
      // Parallel requests failing together renew once: only the first still sees the old keys.
      if ((await credentials.get()) === creds) await credentials.refresh();
    }
  };
}

export interface ListedObject {
  /** As S3 sent it: URL-encoded when the answer says EncodingType url. */
  key: string;
  size: number;
  lastModified?: Date;
  etag?: string;
}

export interface ListedObjects {
  contents: ListedObject[];
  /** CommonPrefixes, encoded like the keys. */
  prefixes: string[];
  encodingType?: string;
  nextToken?: string;
}

/** One ListObjectsV2 page (encoding-type=url). */
export async function listObjectsV2(
  send: S3Send,
  q: { prefix: string; delimiter?: string; token?: string; maxKeys?: number },
  signal?: AbortSignal,
): Promise<ListedObjects> {
  const params: [string, string][] = [['list-type', '2'], ['encoding-type', 'url'], ['prefix', q.prefix]];
  if (q.delimiter) params.push(['delimiter', q.delimiter]);
  if (q.token) params.push(['continuation-token', q.token]);
  if (q.maxKeys) params.push(['max-keys', String(q.maxKeys)]);
  const query = params.map(([k, v]) => `${k}=${encodeRfc3986(v)}`).join('&');
  const text = await (await send('GET', '', query, {}, signal)).text();
  // S3 may answer 200 with an error document.
  if (/^\s*(<\?xml[^>]*\?>)?\s*<Error>/.test(text)) throw answerError(200, text);
  const contents: ListedObject[] = [];
  for (const m of text.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const c = m[1]!;
    const key = xmlValue(c, 'Key');
    if (key === undefined) continue;
    const o: ListedObject = { key, size: Number(xmlValue(c, 'Size') ?? 0) };
    const modified = Date.parse(xmlValue(c, 'LastModified') ?? '');
    if (Number.isFinite(modified)) o.lastModified = new Date(modified);
    const etag = xmlValue(c, 'ETag');
    if (etag) o.etag = etag;
    contents.push(o);
  }
  const prefixes: string[] = [];
  for (const m of text.matchAll(/<CommonPrefixes>([\s\S]*?)<\/CommonPrefixes>/g)) {
    const p = xmlValue(m[1]!, 'Prefix');
    if (p !== undefined) prefixes.push(p);
  }
  // Top-level elements only: Contents and CommonPrefixes are cut out first.
  const top = text.replace(/<Contents>[\s\S]*?<\/Contents>|<CommonPrefixes>[\s\S]*?<\/CommonPrefixes>/g, '');
  const out: ListedObjects = { contents, prefixes };
  const encodingType = xmlValue(top, 'EncodingType');
  if (encodingType) out.encodingType = encodingType;
  const next = xmlValue(top, 'NextContinuationToken');
  if (xmlValue(top, 'IsTruncated') === 'true' && next) out.nextToken = next;
  return out;
}

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// The UploadTransport over plain fetch, signed with aws4fetch: the widget's way to S3 without the
// AWS SDK (which alone would be more than twice the widget's size budget). It speaks exactly the
// six calls the upload engine needs, parses S3's small XML answers with a few regular expressions
// (no DOMParser, so it runs in node tests too) and maps failures to StorageError like s3.ts does.

import { AwsV4Signer } from 'aws4fetch';
import type { CredentialSource, SessionCredentials } from './credentials.ts';
import { StorageError, describe, isAbort, storageError } from './errors.ts';
import type { ListedPart, UploadTransport } from './transport.ts';

export interface FetchTransportOptions {
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

function xmlValue(xml: string, name: string): string | undefined {
  return xmlValues(xml, name)[0];
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** RFC 3986 encoding of each key segment: the path is sent exactly as S3 signs it. */
function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

function missingEtag(what: string): StorageError {
  return new StorageError(
    'MissingETag',
    `S3 accepted the ${what} but its answer had no ETag header, so the upload cannot be finished. Operators: the bucket's CORS configuration must list ETag in ExposeHeaders.`,
  );
}

/** The StorageError for an S3 error answer (its XML body already read). */
function answerError(status: number, body: string): StorageError {
  let code = xmlValue(body, 'Code') ?? `HTTP${status}`;
  const message = xmlValue(body, 'Message');
  // 412 is how conditional writes (If-None-Match: *) say the name is taken.
  if (status === 412 || code === 'PreconditionFailed') code = 'AlreadyExists';
  return storageError(code, { status, detail: message && message !== code ? message : undefined });
}

/** An S3 UploadTransport over signed fetch requests. */
export function fetchTransport(opts: FetchTransportOptions): UploadTransport {
  const { bucket, region, credentials } = opts;
  // Dotted bucket names do not match S3's wildcard certificate as a host name: path style, as the SDK does.
  const pathStyle = opts.forcePathStyle || bucket.includes('.');
  const base = new URL(opts.endpoint ?? `https://s3.${region}.amazonaws.com`);
  const origin = pathStyle ? `${base.origin}` : `${base.protocol}//${bucket}.${base.host}`;
  const basePath = base.pathname.replace(/\/$/, '') + (pathStyle ? `/${encodeURIComponent(bucket)}` : '');
  /** Server time minus ours, learned from RequestTimeTooSkewed answers (the engine retries those). */
  let skewMs = 0;
  const signerCache = new Map();

  async function send(
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
  }

  return {
    async putObject({ key, body, contentType, overwrite }, o) {
      const headers: Record<string, string> = {};
      if (contentType) headers['content-type'] = contentType;
      if (!overwrite) headers['if-none-match'] = '*';
      const res = await send('PUT', key, '', { headers, body }, o?.signal);
      return { etag: res.headers.get('etag') ?? throwError(missingEtag('file')) };
    },
    async createMultipartUpload({ key, contentType }, o) {
      const res = await send('POST', key, 'uploads=', { headers: contentType ? { 'content-type': contentType } : {} }, o?.signal);
      const uploadId = xmlValue(await res.text(), 'UploadId');
      if (!uploadId) throw new StorageError('MissingUploadId', 'S3 started a multipart upload without returning its id. Try again; if it persists, report this.');
      return { uploadId };
    },
    async uploadPart({ key, uploadId, partNumber, body }, o) {
      const res = await send('PUT', key, `partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`, { body }, o?.signal);
      return { etag: res.headers.get('etag') ?? throwError(missingEtag(`part ${partNumber}`)) };
    },
    async completeMultipartUpload({ key, uploadId, parts, overwrite }, o) {
      const xml = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts
        .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`)
        .join('')}</CompleteMultipartUpload>`;
      const headers: Record<string, string> = { 'content-type': 'application/xml' };
      if (!overwrite) headers['if-none-match'] = '*';
      const res = await send('POST', key, `uploadId=${encodeURIComponent(uploadId)}`, { headers, body: xml }, o?.signal);
      const text = await res.text();
      // S3 may answer 200 and still fail: the error is then in the body.
      if (/<Error>/.test(text)) throw answerError(res.status, text);
      return { etag: xmlValue(text, 'ETag') ?? res.headers.get('etag') ?? throwError(missingEtag('completed upload')) };
    },
    async abortMultipartUpload({ key, uploadId }, o) {
      await send('DELETE', key, `uploadId=${encodeURIComponent(uploadId)}`, {}, o?.signal);
    },
    async listParts({ key, uploadId }, o) {
      const parts: ListedPart[] = [];
      let marker = '';
      for (;;) {
        const query = `uploadId=${encodeURIComponent(uploadId)}${marker ? `&part-number-marker=${encodeURIComponent(marker)}` : ''}`;
        const text = await (await send('GET', key, query, {}, o?.signal)).text();
        for (const m of text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
          const part = m[1]!;
          const partNumber = Number(xmlValue(part, 'PartNumber'));
          const etag = xmlValue(part, 'ETag');
          if (partNumber > 0 && etag) parts.push({ partNumber, etag, size: Number(xmlValue(part, 'Size') ?? 0) });
        }
        const next = xmlValue(text, 'NextPartNumberMarker');
        if (xmlValue(text, 'IsTruncated') !== 'true' || !next) return parts;
        marker = next;
      }
    },
  };
}

function throwError(err: Error): never {
  throw err;
}

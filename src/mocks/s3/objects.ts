// Single-object operations: PutObject, GetObject, HeadObject, DeleteObject, CopyObject, DeleteObjects.

import { ownBuffer } from '../encoding.ts';
import { md5Hex, singlePartEtag } from '../hash.ts';
import type { StoredObject } from '../store.ts';
import {
  checkWriteConditions, contentTypeOf, emptyResponse, etagMatches, GiB, httpTime, isoTime, storedHeaders, userMetadata,
  wholeSeconds, xmlResponse, type S3Context,
} from './context.ts';
import { S3Error } from './errors.ts';
import { el, parseXml, textOf, type ParsedXml } from './xml.ts';

const SSE = { 'x-amz-server-side-encryption': 'AES256' };
const CHECKSUM_HEADERS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'].map((a) => `x-amz-checksum-${a}`);
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
  'response-content-language': 'content-language',
  'response-cache-control': 'cache-control',
  'response-expires': 'expires',
};

export async function putObject(ctx: S3Context): Promise<Response> {
  const key = ctx.key!;
  await ctx.authorize('s3:PutObject', { key });
  if (ctx.body.length > 5 * GiB) throw new S3Error('EntityTooLarge', undefined, { ProposedSize: String(ctx.body.length), MaxSizeAllowed: String(5 * GiB) });
  const object: StoredObject = {
    key,
    size: ctx.body.length,
    etag: singlePartEtag(ctx.body),
    lastModified: wholeSeconds(ctx.now),
    contentType: contentTypeOf(ctx.headers),
    headers: storedHeaders(ctx.headers),
    metadata: userMetadata(ctx.headers),
    ...(ctx.checksumCrc32 ? { checksumCrc32: ctx.checksumCrc32 } : {}),
  };
  checkWriteConditions(ctx.headers, ctx.store.head(ctx.bucket, key), key);
  await ctx.store.put(ctx.bucket, object, new Blob([ownBuffer(ctx.body)]));
  return emptyResponse(200, { etag: object.etag, ...SSE, ...(object.checksumCrc32 ? { 'x-amz-checksum-crc32': object.checksumCrc32 } : {}) });
}

export async function getObject(ctx: S3Context): Promise<Response> {
  const key = ctx.key!;
  await ctx.authorize('s3:GetObject', { key });
  if (ctx.query.has('partNumber')) throw new S3Error('NotImplemented', 'The emulation does not serve GetObject/HeadObject with partNumber.');
  const object = ctx.store.head(ctx.bucket, key);
  if (!object) throw new S3Error('NoSuchKey', undefined, { Key: key });

  const notModified = readConditions(ctx.headers, object);
  const headers = objectHeaders(object);
  if (notModified) return emptyResponse(304, { etag: object.etag, 'last-modified': headers['last-modified']! });

  for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const v = ctx.query.get(param);
    if (v !== null) headers[header] = v;
  }

  const range = parseRange(ctx.headers.get('range'), object.size);
  const head = ctx.method === 'HEAD';
  if (range === 'unsatisfiable') {
    throw new S3Error('InvalidRange', undefined, { RangeRequested: ctx.headers.get('range') ?? '', ActualObjectSize: String(object.size) });
  }
  if (!range && object.checksumCrc32 && ctx.headers.get('x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
    headers['x-amz-checksum-crc32'] = object.checksumCrc32;
    headers['x-amz-checksum-type'] = 'FULL_OBJECT';
  }
  const blob = head ? undefined : await ctx.store.read(ctx.bucket, key);
  if (!head && !blob) throw new S3Error('NoSuchKey', undefined, { Key: key });
  if (range) {
    headers['content-length'] = String(range.end - range.start + 1);
    headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
    return new Response(blob ? blob.slice(range.start, range.end + 1) : null, { status: 206, headers });
  }
  return new Response(blob ?? null, { status: 200, headers });
}

export async function deleteObject(ctx: S3Context): Promise<Response> {
  const key = ctx.key!;
  await ctx.authorize('s3:DeleteObject', { key });
  const match = ctx.headers.get('if-match');
  if (match !== null) {
    const existing = ctx.store.head(ctx.bucket, key);
    if (!existing) throw new S3Error('NoSuchKey', undefined, { Key: key });
    if (!etagMatches(match, existing.etag)) throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
  }
  await ctx.store.delete(ctx.bucket, key);
  return emptyResponse(204);
}

export async function copyObject(ctx: S3Context, bucketExists: (name: string) => boolean): Promise<Response> {
  const key = ctx.key!;
  const source = parseCopySource(ctx.headers.get('x-amz-copy-source')!);
  if (!bucketExists(source.bucket)) throw new S3Error('NoSuchBucket', undefined, { BucketName: source.bucket });
  await ctx.authorize('s3:GetObject', { bucket: source.bucket, key: source.key });
  await ctx.authorize('s3:PutObject', { key });

  const directive = (ctx.headers.get('x-amz-metadata-directive') ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3Error('InvalidArgument', 'Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
  }
  if (source.bucket === ctx.bucket && source.key === key && directive === 'COPY') {
    throw new S3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const src = ctx.store.head(source.bucket, source.key);
  if (!src) throw new S3Error('NoSuchKey', undefined, { Key: source.key });
  checkCopySourceConditions(ctx.headers, src);
  const blob = await ctx.store.read(source.bucket, source.key);
  if (!blob) throw new S3Error('NoSuchKey', undefined, { Key: source.key });
  const bytes = new Uint8Array(await blob.arrayBuffer());

  // A copy is a new single-part object: its ETag is the MD5 of the data even when the source was multipart.
  const object: StoredObject = {
    key,
    size: src.size,
    etag: `"${md5Hex(bytes)}"`,
    lastModified: wholeSeconds(ctx.now),
    ...(directive === 'COPY'
      ? { contentType: src.contentType, headers: { ...src.headers }, metadata: { ...src.metadata } }
      : { contentType: contentTypeOf(ctx.headers), headers: storedHeaders(ctx.headers), metadata: userMetadata(ctx.headers) }),
    ...(src.checksumCrc32 ? { checksumCrc32: src.checksumCrc32 } : {}),
  };
  checkWriteConditions(ctx.headers, ctx.store.head(ctx.bucket, key), key);
  await ctx.store.put(ctx.bucket, object, blob);
  return xmlResponse(el('CopyObjectResult', [el('ETag', object.etag), el('LastModified', isoTime(object.lastModified))]), 200, SSE);
}

export async function deleteObjects(ctx: S3Context): Promise<Response> {
  const hasDigest = ctx.headers.has('content-md5') || CHECKSUM_HEADERS.some((h) => ctx.headers.has(h)) || ctx.checksumCrc32 !== undefined;
  if (!hasDigest) throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5 OR x-amz-checksum-*');
  const doc = parseXml(new TextDecoder().decode(ctx.body));
  const root = doc?.Delete;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new S3Error('MalformedXML');
  const objects = (root.Object ?? []) as ParsedXml[];
  if (!Array.isArray(objects) || objects.length === 0 || objects.length > 1000) throw new S3Error('MalformedXML');
  const quiet = textOf(root, 'Quiet')?.trim().toLowerCase() === 'true';

  const results = [];
  for (const o of objects) {
    const key = textOf(o, 'Key');
    if (key === undefined || key === '') throw new S3Error('MalformedXML');
    const versionId = textOf(o, 'VersionId');
    let failure: [string, string] | undefined;
    if (versionId !== undefined && versionId !== 'null') failure = ['NoSuchVersion', 'The specified version does not exist.'];
    else if (new TextEncoder().encode(key).length > 1024) failure = ['KeyTooLongError', 'Your key is too long'];
    else if (!(await ctx.allowed('s3:DeleteObject', { key }))) failure = ['AccessDenied', 'Access Denied'];
    if (failure) {
      results.push(el('Error', [el('Key', key), el('Code', failure[0]), el('Message', failure[1])]));
      continue;
    }
    await ctx.store.delete(ctx.bucket, key);
    if (!quiet) results.push(el('Deleted', [el('Key', key)]));
  }
  return xmlResponse(el('DeleteResult', results));
}

export function objectHeaders(o: StoredObject): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': o.contentType,
    'content-length': String(o.size),
    etag: o.etag,
    'last-modified': httpTime(o.lastModified),
    'accept-ranges': 'bytes',
    ...SSE,
  };
  for (const [k, v] of Object.entries(o.headers)) if (v !== undefined) headers[k] = v;
  for (const [k, v] of Object.entries(o.metadata)) headers[`x-amz-meta-${k}`] = v;
  return headers;
}

/** If-Match / If-Unmodified-Since fail with 412; If-None-Match / If-Modified-Since answer 304 (returns true). */
function readConditions(headers: Headers, o: StoredObject): boolean {
  const match = headers.get('if-match');
  const unmodifiedSince = parseHttpDate(headers.get('if-unmodified-since'));
  if (match !== null) {
    if (!etagMatches(match, o.etag)) throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
  } else if (unmodifiedSince !== undefined && o.lastModified > unmodifiedSince) {
    throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Unmodified-Since' });
  }
  const noneMatch = headers.get('if-none-match');
  const modifiedSince = parseHttpDate(headers.get('if-modified-since'));
  if (noneMatch !== null) return etagMatches(noneMatch, o.etag);
  return modifiedSince !== undefined && o.lastModified <= modifiedSince;
}

function checkCopySourceConditions(headers: Headers, src: StoredObject): void {
  const fail = (condition: string) => new S3Error('PreconditionFailed', undefined, { Condition: condition });
  const match = headers.get('x-amz-copy-source-if-match');
  if (match !== null && !etagMatches(match, src.etag)) throw fail('x-amz-copy-source-If-Match');
  const noneMatch = headers.get('x-amz-copy-source-if-none-match');
  if (noneMatch !== null && etagMatches(noneMatch, src.etag)) throw fail('x-amz-copy-source-If-None-Match');
  const unmodified = parseHttpDate(headers.get('x-amz-copy-source-if-unmodified-since'));
  if (unmodified !== undefined && src.lastModified > unmodified) throw fail('x-amz-copy-source-If-Unmodified-Since');
  const modified = parseHttpDate(headers.get('x-amz-copy-source-if-modified-since'));
  if (modified !== undefined && src.lastModified <= modified) throw fail('x-amz-copy-source-If-Modified-Since');
}

/** `x-amz-copy-source: /bucket/url-encoded-key[?versionId=..]` (the leading slash is optional). */
export function parseCopySource(header: string): { bucket: string; key: string } {
  const [path, query] = header.split('?', 2) as [string, string | undefined];
  if (query !== undefined) {
    const versionId = new URLSearchParams(query).get('versionId');
    if (versionId !== null && versionId !== 'null') throw new S3Error('NoSuchVersion', 'The specified version does not exist.', {}, 404);
  }
  const trimmed = path.replace(/^\//, '');
  const slash = trimmed.indexOf('/');
  if (slash <= 0 || slash === trimmed.length - 1) {
    throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source', ArgumentValue: header });
  }
  try {
    return { bucket: decodeURIComponent(trimmed.slice(0, slash)), key: decodeURIComponent(trimmed.slice(slash + 1)) };
  } catch {
    throw new S3Error('InvalidArgument', 'Invalid copy source encoding', { ArgumentName: 'x-amz-copy-source', ArgumentValue: header });
  }
}

type ByteRange = { start: number; end: number };

/** One `bytes=` range as S3 honours it; anything it ignores (syntax errors, several ranges) yields undefined. */
export function parseRange(header: string | null, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === null) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

function parseHttpDate(v: string | null): number | undefined {
  if (v === null) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

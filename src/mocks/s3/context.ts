// What an S3 operation handler gets: the authenticated request, its verified body, the store, and
// an authorization check against the emulator's Authorizer.

import type { ObjectStore, StoredHeader, StoredObject } from '../store.ts';
import { STORED_HEADERS } from '../store.ts';
import type { Caller } from './sigv4.ts';
import { el, xmlDocument, type XmlElement } from './xml.ts';
import { S3Error } from './errors.ts';
import { unquoteEtag } from '../hash.ts';

export interface AuthorizeTarget {
  key?: string;
  /** Defaults to the request's bucket (CopyObject authorizes its source bucket). */
  bucket?: string;
  listPrefix?: string;
}

export interface S3Context {
  store: ObjectStore;
  bucket: string;
  /** Decoded key; undefined for bucket operations. */
  key: string | undefined;
  method: string;
  url: URL;
  query: URLSearchParams;
  headers: Headers;
  /** The verified body (aws-chunked framing removed). */
  body: Uint8Array;
  checksumCrc32?: string;
  caller: Caller;
  /** Emulator clock at arrival, epoch ms. */
  now: number;
  region: string;
  allowed(action: string, target?: AuthorizeTarget): Promise<boolean>;
  /** Throws AccessDenied unless allowed. */
  authorize(action: string, target?: AuthorizeTarget): Promise<void>;
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export function xmlResponse(root: XmlElement, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(xmlDocument(root), { status, headers: { 'content-type': 'application/xml', ...headers } });
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers });
}

/** S3 keeps whole seconds. */
export function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function httpTime(ms: number): string {
  return new Date(ms).toUTCString();
}

export function storedHeaders(headers: Headers): Partial<Record<StoredHeader, string>> {
  const out: Partial<Record<StoredHeader, string>> = {};
  for (const name of STORED_HEADERS) {
    const v = headers.get(name);
    if (v !== null) out[name] = v;
  }
  return out;
}

export function userMetadata(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (name.startsWith('x-amz-meta-')) out[name.slice('x-amz-meta-'.length)] = value;
  }
  return out;
}

export function contentTypeOf(headers: Headers): string {
  // What S3 stores when the client sends none.
  return headers.get('content-type') ?? 'binary/octet-stream';
}

export function etagMatches(condition: string, etag: string): boolean {
  const want = unquoteEtag(etag);
  return condition.split(',').some((c) => c.trim() === '*' || unquoteEtag(c) === want);
}

/** If-None-Match / If-Match on writes (PutObject, CopyObject, CompleteMultipartUpload). Call right before the write, without awaiting in between. */
export function checkWriteConditions(headers: Headers, existing: StoredObject | undefined, key: string): void {
  const noneMatch = headers.get('if-none-match');
  if (noneMatch !== null) {
    if (noneMatch.trim() !== '*') throw new S3Error('NotImplemented', 'If-None-Match on writes only supports "*"', { Header: 'If-None-Match' });
    if (existing) throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-None-Match' });
  }
  const match = headers.get('if-match');
  if (match !== null) {
    if (!existing) throw new S3Error('NoSuchKey', undefined, { Key: key });
    if (!etagMatches(match, existing.etag)) throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
  }
}

export function owner(id: string): XmlElement[] {
  return [el('ID', id), el('DisplayName', id)];
}

/** S3's encoding-type=url: form encoding, spaces as '+', '/' kept. */
export function urlEncodeKey(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+').replace(/%2F/g, '/');
}

export function maxParam(query: URLSearchParams, name: string, limit: number, message: string): number {
  const raw = query.get(name);
  if (raw === null) return limit;
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw))) {
    throw new S3Error('InvalidArgument', message, { ArgumentName: name, ArgumentValue: raw });
  }
  return Math.min(Number(raw), limit);
}

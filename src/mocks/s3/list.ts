// ListObjectsV2 over the store's sorted key index: binary search to the start, and common prefixes
// skipped as whole blocks, so a page costs O(page size x log n) even with 100,000 keys.

import { fromBase64, toBase64, utf8 } from '../encoding.ts';
import type { KeyIndex, StoredObject } from '../store.ts';
import { emptyResponse, isoTime, maxParam, owner, urlEncodeKey, xmlResponse, type S3Context } from './context.ts';
import { S3Error } from './errors.ts';
import { el, opt, type XmlElement } from './xml.ts';

const TOKEN_MAGIC = 'sessionbox-emulation:';

export async function listObjectsV2(ctx: S3Context): Promise<Response> {
  const q = ctx.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeys = maxParam(q, 'max-keys', 1000, 'Provided max-keys not an integer or within integer range');
  const encodingType = q.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: encodingType });
  }
  const startAfter = q.get('start-after');
  const token = q.get('continuation-token');
  const resume = token !== null ? decodeToken(token) : undefined;
  await ctx.authorize('s3:ListBucket', { listPrefix: prefix });

  const page = listPage(ctx.store.keys(ctx.bucket), { prefix, delimiter, maxKeys, resume: resume ?? (startAfter ? { after: startAfter, isPrefix: false } : undefined) });
  const enc = encodingType === 'url' ? urlEncodeKey : (s: string) => s;
  const fetchOwner = q.get('fetch-owner') === 'true';
  const contents = page.keys.map((key) => {
    const o = ctx.store.head(ctx.bucket, key) as StoredObject;
    return el('Contents', [
      el('Key', enc(key)),
      el('LastModified', isoTime(o.lastModified)),
      el('ETag', o.etag),
      o.checksumCrc32 ? el('ChecksumAlgorithm', 'CRC32') : undefined,
      el('Size', o.size),
      fetchOwner ? el('Owner', owner(ctx.caller.credentials.identityId)) : undefined,
      el('StorageClass', 'STANDARD'),
    ]);
  });
  const root: XmlElement = el('ListBucketResult', [
    el('Name', ctx.bucket),
    el('Prefix', enc(prefix)),
    opt('ContinuationToken', token ?? undefined),
    opt('NextContinuationToken', page.next ? encodeToken(page.next) : undefined),
    el('KeyCount', page.keys.length + page.prefixes.length),
    el('MaxKeys', maxKeys),
    delimiter ? el('Delimiter', enc(delimiter)) : undefined,
    opt('EncodingType', encodingType ?? undefined),
    el('IsTruncated', !!page.next),
    startAfter !== null ? el('StartAfter', enc(startAfter)) : undefined,
    ...contents,
    ...page.prefixes.map((p) => el('CommonPrefixes', [el('Prefix', enc(p))])),
  ]);
  return xmlResponse(root);
}

export async function listObjectsV1(): Promise<Response> {
  throw new S3Error('NotImplemented', 'ListObjects (version 1) is not emulated. Use ListObjectsV2 (list-type=2), which is what ListObjectsV2Command sends.');
}

export async function headBucket(ctx: S3Context): Promise<Response> {
  await ctx.authorize('s3:ListBucket', { listPrefix: '' });
  return emptyResponse(200, { 'x-amz-bucket-region': ctx.region, 'x-amz-access-point-alias': 'false' });
}

interface Position {
  /** The last key or common prefix already returned. */
  after: string;
  isPrefix: boolean;
}

export interface ListPage {
  keys: string[];
  prefixes: string[];
  next?: Position;
}

export function listPage(index: KeyIndex, opts: { prefix: string; delimiter: string; maxKeys: number; resume?: Position }): ListPage {
  const { prefix, delimiter, maxKeys, resume } = opts;
  let pos = index.lowerBound(prefix);
  if (resume) {
    const after = resume.isPrefix ? index.endOfPrefix(resume.after, index.lowerBound(resume.after)) : index.upperBound(resume.after);
    pos = Math.max(pos, after);
  }
  const keys: string[] = [];
  const prefixes: string[] = [];
  let last: Position | undefined;
  while (keys.length + prefixes.length < maxKeys) {
    const key = index.at(pos);
    if (key === undefined || !key.startsWith(prefix)) return { keys, prefixes };
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const common = key.slice(0, cut + delimiter.length);
      prefixes.push(common);
      last = { after: common, isPrefix: true };
      pos = index.endOfPrefix(common, pos);
    } else {
      keys.push(key);
      last = { after: key, isPrefix: false };
      pos++;
    }
  }
  const more = index.at(pos);
  if (maxKeys === 0 || more === undefined || !more.startsWith(prefix) || !last) return { keys, prefixes };
  return { keys, prefixes, next: last };
}

// Real tokens are opaque base64 (with '+', '/' and '='), so clients must URL-encode them.
function encodeToken(p: Position): string {
  return toBase64(utf8(`${TOKEN_MAGIC}${p.isPrefix ? 'P' : 'K'}${p.after}`));
}

function decodeToken(token: string): Position {
  const bytes = fromBase64(token);
  const text = bytes ? new TextDecoder('utf-8', { fatal: false }).decode(bytes) : '';
  if (!text.startsWith(TOKEN_MAGIC) || !'PK'.includes(text[TOKEN_MAGIC.length] ?? 'x')) {
    throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token', ArgumentValue: token });
  }
  return { after: text.slice(TOKEN_MAGIC.length + 1), isPrefix: text[TOKEN_MAGIC.length] === 'P' };
}

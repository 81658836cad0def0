// Multipart uploads: Create, UploadPart, Complete, Abort, ListParts, ListMultipartUploads.

import { ownBuffer, randomString } from '../encoding.ts';
import { multipartEtag, singlePartEtag, unquoteEtag } from '../hash.ts';
import { compareKeys } from '../sorted-keys.ts';
import type { MultipartUpload, StoredObject } from '../store.ts';
import {
  checkWriteConditions, contentTypeOf, emptyResponse, GiB, isoTime, maxParam, MiB, owner, storedHeaders, urlEncodeKey, userMetadata,
  wholeSeconds, xmlResponse, type S3Context,
} from './context.ts';
import { S3Error } from './errors.ts';
import { el, opt, parseXml, textOf, type ParsedXml } from './xml.ts';

const MIN_PART_SIZE = 5 * MiB;
const MAX_PARTS = 10_000;
const SSE = { 'x-amz-server-side-encryption': 'AES256' };
// Real upload ids are long and use '.', '_' and '-': clients must encode them like any query value.
const UPLOAD_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-';

export async function createMultipartUpload(ctx: S3Context): Promise<Response> {
  const key = ctx.key!;
  await ctx.authorize('s3:PutObject', { key });
  const upload: MultipartUpload = {
    uploadId: randomString(96, UPLOAD_ID_ALPHABET),
    bucket: ctx.bucket,
    key,
    initiated: ctx.now,
    contentType: contentTypeOf(ctx.headers),
    headers: storedHeaders(ctx.headers),
    metadata: userMetadata(ctx.headers),
    initiator: ctx.caller.credentials.identityId,
  };
  await ctx.store.createUpload(upload);
  return xmlResponse(el('InitiateMultipartUploadResult', [el('Bucket', ctx.bucket), el('Key', key), el('UploadId', upload.uploadId)]), 200, SSE);
}

export async function uploadPart(ctx: S3Context): Promise<Response> {
  const key = ctx.key!;
  const partNumber = parsePartNumber(ctx.query.get('partNumber'));
  await ctx.authorize('s3:PutObject', { key });
  const upload = findUpload(ctx);
  if (ctx.body.length > 5 * GiB) throw new S3Error('EntityTooLarge', undefined, { ProposedSize: String(ctx.body.length), MaxSizeAllowed: String(5 * GiB) });
  const etag = singlePartEtag(ctx.body);
  await ctx.store.putPart(
    upload.uploadId,
    { partNumber, etag, size: ctx.body.length, lastModified: wholeSeconds(ctx.now), ...(ctx.checksumCrc32 ? { checksumCrc32: ctx.checksumCrc32 } : {}) },
    new Blob([ownBuffer(ctx.body)]),
  );
  return emptyResponse(200, { etag, ...SSE, ...(ctx.checksumCrc32 ? { 'x-amz-checksum-crc32': ctx.checksumCrc32 } : {}) });
}

export async function completeMultipartUpload(ctx: S3Context): Promise<Response> {
  const key = ctx.key!;
  await ctx.authorize('s3:PutObject', { key });
  const requested = parseCompleteBody(ctx.body);
  const upload = findUpload(ctx);

  const stored = new Map(ctx.store.listParts(upload.uploadId).map((p) => [p.partNumber, p]));
  let previous = 0;
  for (const p of requested) {
    if (p.partNumber <= previous) throw new S3Error('InvalidPartOrder', undefined, { UploadId: upload.uploadId });
    previous = p.partNumber;
  }
  for (const p of requested) {
    const part = stored.get(p.partNumber);
    if (!part || unquoteEtag(part.etag) !== unquoteEtag(p.etag)) {
      throw new S3Error('InvalidPart', undefined, { UploadId: upload.uploadId, PartNumber: String(p.partNumber), ETag: p.etag });
    }
  }
  requested.forEach((p, i) => {
    const part = stored.get(p.partNumber)!;
    if (i < requested.length - 1 && part.size < MIN_PART_SIZE) {
      throw new S3Error('EntityTooSmall', undefined, {
        ProposedSize: String(part.size),
        MinSizeAllowed: String(MIN_PART_SIZE),
        PartNumber: String(p.partNumber),
        ETag: part.etag,
      });
    }
  });

  const blobs: Blob[] = [];
  for (const p of requested) {
    const blob = await ctx.store.readPart(upload.uploadId, p.partNumber);
    if (!blob) throw new S3Error('InvalidPart', undefined, { UploadId: upload.uploadId, PartNumber: String(p.partNumber), ETag: p.etag });
    blobs.push(blob);
  }
  const body = new Blob(blobs);
  const object: StoredObject = {
    key,
    size: body.size,
    etag: multipartEtag(requested.map((p) => stored.get(p.partNumber)!.etag)),
    lastModified: wholeSeconds(ctx.now),
    contentType: upload.contentType,
    headers: { ...upload.headers },
    metadata: { ...upload.metadata },
    partsCount: requested.length,
  };
  // An Abort or another Complete may have won while the parts were read.
  if (!ctx.store.getUpload(upload.uploadId)) throw new S3Error('NoSuchUpload', undefined, { UploadId: upload.uploadId });
  checkWriteConditions(ctx.headers, ctx.store.head(ctx.bucket, key), key);
  await Promise.all([ctx.store.put(ctx.bucket, object, body), ctx.store.deleteUpload(upload.uploadId)]);

  const location = `${ctx.url.origin}${ctx.url.pathname}`;
  return xmlResponse(
    el('CompleteMultipartUploadResult', [el('Location', location), el('Bucket', ctx.bucket), el('Key', key), el('ETag', object.etag)]),
    200,
    SSE,
  );
}

export async function abortMultipartUpload(ctx: S3Context): Promise<Response> {
  await ctx.authorize('s3:AbortMultipartUpload', { key: ctx.key! });
  const upload = findUpload(ctx);
  await ctx.store.deleteUpload(upload.uploadId);
  return emptyResponse(204);
}

export async function listParts(ctx: S3Context): Promise<Response> {
  const key = ctx.key!;
  await ctx.authorize('s3:ListMultipartUploadParts', { key });
  const maxParts = maxParam(ctx.query, 'max-parts', 1000, 'Provided max-parts not an integer or within integer range');
  const markerRaw = ctx.query.get('part-number-marker') ?? '0';
  if (!/^\d+$/.test(markerRaw)) {
    throw new S3Error('InvalidArgument', 'Provided part-number-marker not an integer or within integer range', { ArgumentName: 'part-number-marker', ArgumentValue: markerRaw });
  }
  const marker = Number(markerRaw);
  const upload = findUpload(ctx);
  const after = ctx.store.listParts(upload.uploadId).filter((p) => p.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  return xmlResponse(
    el('ListPartsResult', [
      el('Bucket', ctx.bucket),
      el('Key', key),
      el('UploadId', upload.uploadId),
      el('Initiator', owner(upload.initiator)),
      el('Owner', owner(upload.initiator)),
      el('StorageClass', 'STANDARD'),
      el('PartNumberMarker', marker),
      el('NextPartNumberMarker', page.at(-1)?.partNumber ?? 0),
      el('MaxParts', maxParts),
      el('IsTruncated', truncated),
      ...page.map((p) =>
        el('Part', [
          el('PartNumber', p.partNumber),
          el('LastModified', isoTime(p.lastModified)),
          el('ETag', p.etag),
          el('Size', p.size),
          opt('ChecksumCRC32', p.checksumCrc32),
        ]),
      ),
    ]),
  );
}

export async function listMultipartUploads(ctx: S3Context): Promise<Response> {
  const q = ctx.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const uploadIdMarker = q.get('upload-id-marker') ?? '';
  const maxUploads = maxParam(q, 'max-uploads', 1000, 'Provided max-uploads not an integer or within integer range');
  const encodingType = q.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: encodingType });
  }
  await ctx.authorize('s3:ListBucketMultipartUploads', { listPrefix: prefix });
  const enc = encodingType === 'url' ? urlEncodeKey : (s: string) => s;

  const all = ctx.store.listUploads(ctx.bucket).filter((u) => u.key.startsWith(prefix));
  let start = 0;
  if (keyMarker) {
    const markerAt = uploadIdMarker ? all.findIndex((u) => u.key === keyMarker && u.uploadId === uploadIdMarker) : -1;
    // A common prefix handed out as NextKeyMarker stands for its whole block.
    const skipBlock = delimiter !== '' && keyMarker.endsWith(delimiter);
    start = markerAt >= 0 ? markerAt + 1 : all.findIndex((u) => compareKeys(u.key, keyMarker) > 0 && !(skipBlock && u.key.startsWith(keyMarker)));
    if (start < 0) start = all.length;
  }
  const uploads: MultipartUpload[] = [];
  const prefixes: string[] = [];
  let i = start;
  let lastKey = '';
  let lastUploadId = '';
  while (i < all.length && uploads.length + prefixes.length < maxUploads) {
    const u = all[i]!;
    const cut = delimiter ? u.key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const common = u.key.slice(0, cut + delimiter.length);
      if (prefixes.at(-1) !== common) prefixes.push(common);
      while (i < all.length && all[i]!.key.startsWith(common)) i++;
      lastKey = common;
      lastUploadId = '';
      continue;
    }
    uploads.push(u);
    lastKey = u.key;
    lastUploadId = u.uploadId;
    i++;
  }
  const truncated = i < all.length;
  return xmlResponse(
    el('ListMultipartUploadsResult', [
      el('Bucket', ctx.bucket),
      el('KeyMarker', enc(keyMarker)),
      el('UploadIdMarker', uploadIdMarker),
      truncated ? el('NextKeyMarker', enc(lastKey)) : undefined,
      truncated ? el('NextUploadIdMarker', lastUploadId) : undefined,
      el('Prefix', enc(prefix)),
      delimiter ? el('Delimiter', enc(delimiter)) : undefined,
      el('MaxUploads', maxUploads),
      opt('EncodingType', encodingType ?? undefined),
      el('IsTruncated', truncated),
      ...uploads.map((u) =>
        el('Upload', [
          el('Key', enc(u.key)),
          el('UploadId', u.uploadId),
          el('Initiator', owner(u.initiator)),
          el('Owner', owner(u.initiator)),
          el('StorageClass', 'STANDARD'),
          el('Initiated', isoTime(u.initiated)),
        ]),
      ),
      ...prefixes.map((p) => el('CommonPrefixes', [el('Prefix', enc(p))])),
    ]),
  );
}

function findUpload(ctx: S3Context): MultipartUpload {
  const uploadId = ctx.query.get('uploadId') ?? '';
  const upload = ctx.store.getUpload(uploadId);
  // An id is only valid for the bucket and key it was created for.
  if (!upload || upload.bucket !== ctx.bucket || upload.key !== ctx.key) throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  return upload;
}

function parsePartNumber(raw: string | null): number {
  const n = raw !== null && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: raw ?? '' });
  }
  return n;
}

function parseCompleteBody(body: Uint8Array): { partNumber: number; etag: string }[] {
  const doc = parseXml(new TextDecoder().decode(body));
  const root = doc?.CompleteMultipartUpload;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new S3Error('MalformedXML');
  const parts = (root.Part ?? []) as ParsedXml[];
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > MAX_PARTS) throw new S3Error('MalformedXML');
  return parts.map((p) => {
    const number = textOf(p, 'PartNumber')?.trim();
    const etag = textOf(p, 'ETag');
    if (!number || !/^\d+$/.test(number) || etag === undefined) throw new S3Error('MalformedXML');
    return { partNumber: Number(number), etag };
  });
}

// What the UI calls: one identity's files, addressed by paths relative to its prefix. Every path
// is validated before a request is made, and every key sent is inside the prefix.
//
// Listings and uploads go over signed fetch (s3-fetch.ts, fetch-transport.ts, as in the widget);
// presigned URLs, deletes, copies and the rest over the AWS SDK (s3.ts), which is loaded on first
// use or by preload(): the first folder appears without waiting for the SDK (BENCHMARKS.md, Payload).

import type { S3Client, _Error as S3ErrorEntry } from '@aws-sdk/client-s3';
import { prefixFor } from './config.ts';
import type { AppConfig } from './config.ts';
import type { CredentialSource } from './credentials.ts';
import { StorageError, describe } from './errors.ts';
import {
  asFolder,
  attachmentDisposition,
  copySource,
  decodeListedKey,
  fromKey,
  nameOf,
  toKey,
} from './keys.ts';
import { blobCrc32 } from './checksum.ts';
import type { S3Overrides } from './s3.ts';
import { fetchTransport } from './fetch-transport.ts';
import { listObjectsV2, s3Fetch } from './s3-fetch.ts';
import type { S3Send } from './s3-fetch.ts';
import type { PartRef, UploadTransport } from './transport.ts';
import { MAX_PART_SIZE, uploadBlob } from './upload.ts';
import { formatSize } from './format.ts';
import type { MultipartStarted, UploadProgress, UploadRequest } from './upload.ts';

export type { UploadProgress } from './upload.ts';

export interface Entry {
  kind: 'file' | 'folder';
  /** Relative to the identity's prefix; folders end with '/'. */
  path: string;
  name: string;
  size: number;
  lastModified?: Date;
  etag?: string;
}

export interface ListPage {
  entries: Entry[];
  nextToken?: string;
}

/** Engine settings not in config.json (tests shorten timeouts and backoff). */
export type EngineOptions = Pick<UploadRequest, 'retry' | 'requestTimeoutMs' | 'multipartThreshold' | 'checksumBelowBytesPerSecond'>;

export interface OpenOptions {
  signedIn?: boolean;
  s3?: S3Overrides;
  engine?: EngineOptions;
}

/** DeleteObjects takes at most 1000 keys. */
const DELETE_BATCH = 1000;
/** Copies in flight during a folder move. */
const COPY_CONCURRENCY = 6;
/** CopyObject copies at most 5 GiB; larger objects would need UploadPartCopy. */
const MAX_COPY_SIZE = MAX_PART_SIZE;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const errors: unknown[] = [];
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed = true;
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length) throw errors[0];
}

export interface UploadOptions {
  overwrite?: boolean;
  contentType?: string;
  onProgress?: (p: UploadProgress) => void;
  /** Cancels: a multipart upload is aborted on the server. */
  signal?: AbortSignal;
  /** Pauses: requests stop, a multipart upload stays on the server for `resume`. */
  pauseSignal?: AbortSignal;
  /**
   * Continues a paused (or, after a reload, remembered) multipart upload of the same body. `parts`
   * are those recorded as sent: a part S3 lists with another ETag is sent again.
   */
  resume?: { uploadId: string; partSize?: number; parts?: PartRef[] };
  onMultipartStarted?: (info: MultipartStarted) => void;
  /** Each part as S3 confirms it, for a caller that persists resume state. */
  onPartUploaded?: (part: PartRef) => void;
  /**
   * Computes each part's CRC32 while it is sent (reported as `crc32` in onPartUploaded) unless the
   * upload runs faster than the engine's checksumBelowBytesPerSecond, and on a resume keeps only
   * parts whose bytes still give their recorded CRC32: changed or unchecked parts are sent again.
   * For callers that persist resume state; a local record, never sent to S3.
   */
  checksumParts?: boolean;
}

/**
 * The engine aborts a multipart upload whenever it stops early; while paused (and not cancelled)
 * that abort is skipped so the parts stay for a resume. The bucket's lifecycle rule for incomplete
 * multipart uploads removes uploads that are never resumed.
 */
function keepWhenPaused(transport: UploadTransport, pause: AbortSignal, cancel: AbortSignal | undefined): UploadTransport {
  return {
    putObject: (r, o) => transport.putObject(r, o),
    createMultipartUpload: (r, o) => transport.createMultipartUpload(r, o),
    uploadPart: (r, o) => transport.uploadPart(r, o),
    completeMultipartUpload: (r, o) => transport.completeMultipartUpload(r, o),
    listParts: (r, o) => transport.listParts(r, o),
    abortMultipartUpload: (r, o) => (pause.aborted && !cancel?.aborted ? Promise.resolve() : transport.abortMultipartUpload(r, o)),
  };
}

interface Listed {
  key: string;
  size: number;
}

type Sdk = typeof import('./s3.ts');

interface SdkClient {
  sdk: Sdk;
  client: S3Client;
}

export class Storage {
  readonly prefix: string;
  readonly bucket: string;
  readonly identityId: string;
  readonly #config: AppConfig;
  readonly #credentials: CredentialSource;
  readonly #s3: S3Overrides | undefined;
  readonly #engine: EngineOptions;
  readonly #fetch: S3Send;
  /**
   * Uploads: the widget's signed-fetch transport rather than the SDK's, which was slower with the
   * same engine and parts (BENCHMARKS.md, "Upload").
   */
  readonly #transport: UploadTransport;
  #sdkClient: Promise<SdkClient> | undefined;

  /** A Storage confined to `prefix`; Storage.open derives the prefix from the identity. */
  constructor(config: AppConfig, credentials: CredentialSource, prefix: string, identityId: string, opts: Pick<OpenOptions, 's3' | 'engine'> = {}) {
    this.#config = config;
    this.#credentials = credentials;
    this.#s3 = opts.s3;
    this.bucket = config.bucket;
    this.prefix = prefix;
    this.identityId = identityId;
    this.#engine = opts.engine ?? {};
    const s3 = {
      bucket: config.bucket,
      region: config.region,
      credentials,
      ...(config.endpoints.s3 ? { endpoint: config.endpoints.s3 } : {}),
      forcePathStyle: config.endpoints.forcePathStyle,
    };
    this.#fetch = s3Fetch(s3);
    this.#transport = fetchTransport(s3);
  }

  #sdk(): Promise<SdkClient> {
    this.#sdkClient ??= import('./s3.ts').then(
      (sdk) => {
        return { sdk, client: sdk.createS3Client(this.#config, this.#credentials, this.#s3) };
      },
      (err: unknown) => {
        // A chunk that failed to load (offline, or a new deployment replaced it) is tried again next time.
        this.#sdkClient = undefined;
        throw new StorageError('NetworkError', 'Part of the app could not be loaded. Check the connection and reload the page.', { retryable: true, cause: err });
      },
    );
    return this.#sdkClient;
  }

  /** Loads the AWS SDK ahead of the first download or change (listings and uploads do not need it). */
  async preload(): Promise<void> {
    await this.#sdk();
  }

  /** The SDK client this Storage signs its non-listing requests with (tests and tools). */
  async s3Client(): Promise<S3Client> {
    return (await this.#sdk()).client;
  }

  /** Resolves the identity (fetching its first credentials) and confines the Storage to its prefix. */
  static async open(config: AppConfig, credentials: CredentialSource, opts: OpenOptions = {}): Promise<Storage> {
    const { identityId } = await credentials.get();
    if (!identityId) {
      throw new StorageError('NoIdentity', 'The credentials carry no Cognito identity id, so there is no folder to work in. Use credentials from cognitoCredentials().');
    }
    const prefix = prefixFor(config, identityId, opts.signedIn ?? false);
    return new Storage(config, credentials, prefix, identityId, opts);
  }

  /** Releases the client's connections. */
  destroy(): void {
    void this.#sdkClient?.then(({ client }) => client.destroy(), () => {});
  }

  /** One page of a folder: subfolders first, then files, each in S3's (UTF-8 byte) order. */
  list(folder: string, opts: { token?: string; maxKeys?: number; signal?: AbortSignal } = {}): Promise<ListPage> {
    return this.#page(folder, true, opts);
  }

  /**
   * One page of everything below `folder` at any depth (a listing without delimiter), in key order:
   * files, and folders only where a placeholder object ('name/') exists. For search and zips.
   */
  listTree(folder: string, opts: { token?: string; maxKeys?: number; signal?: AbortSignal } = {}): Promise<ListPage> {
    return this.#page(folder, false, opts);
  }

  async #page(folder: string, delimited: boolean, opts: { token?: string; maxKeys?: number; signal?: AbortSignal }): Promise<ListPage> {
    const dir = asFolder(folder);
    const prefix = toKey(this.prefix, dir, 'folder');
    if (opts.maxKeys !== undefined && !(Number.isInteger(opts.maxKeys) && opts.maxKeys >= 1 && opts.maxKeys <= 1000)) {
      throw new RangeError(`maxKeys must be an integer from 1 to 1000, got ${opts.maxKeys}`);
    }
    const out = await listObjectsV2(
      this.#fetch,
      { prefix, ...(delimited ? { delimiter: '/' } : {}), ...(opts.token ? { token: opts.token } : {}), ...(opts.maxKeys ? { maxKeys: opts.maxKeys } : {}) },
      opts.signal,
    );
    const decode = out.encodingType === 'url' ? decodeListedKey : (k: string) => k;
    const entries: Entry[] = [];
    for (const listedPrefix of out.prefixes) {
      if (!listedPrefix) continue;
      const path = fromKey(this.prefix, decode(listedPrefix));
      entries.push({ kind: 'folder', path, name: nameOf(path), size: 0 });
    }
    for (const obj of out.contents) {
      const key = decode(obj.key);
      // The folder's own placeholder ('docs/' when listing 'docs/') is the folder itself.
      if (key === prefix) continue;
      const path = fromKey(this.prefix, key);
      const entry: Entry = {
        kind: path.endsWith('/') ? 'folder' : 'file',
        path,
        name: nameOf(path),
        size: obj.size,
      };
      if (obj.lastModified) entry.lastModified = obj.lastModified;
      if (obj.etag) entry.etag = obj.etag;
      entries.push(entry);
    }
    const page: ListPage = { entries };
    if (out.nextToken) page.nextToken = out.nextToken;
    return page;
  }

  /**
   * Uploads a file; refuses to replace an existing one unless `overwrite`. Aborting `pauseSignal`
   * stops like `signal` but leaves a multipart upload and its finished parts on the server: pass
   * the id `onMultipartStarted` reported as `resume` to continue it later.
   */
  async upload(path: string, body: Blob, opts: UploadOptions = {}): Promise<{ path: string; etag: string }> {
    const key = toKey(this.prefix, path, 'file');
    const max = this.#config.upload.maxFileSize;
    if (body.size > max) {
      throw new StorageError('TooLarge', `The file is ${formatSize(body.size)}; this site accepts files up to ${formatSize(max)}. Choose a smaller file, or ask the operator to raise upload.maxFileSizeMiB.`);
    }
    const contentType = opts.contentType || body.type || undefined;
    const req: UploadRequest = {
      ...this.#engine,
      key,
      body,
      overwrite: opts.overwrite ?? false,
      partSize: this.#config.upload.partSize,
      parallelParts: this.#config.upload.parallelParts,
    };
    if (contentType) req.contentType = contentType;
    if (opts.onProgress) req.onProgress = opts.onProgress;
    if (opts.resume) req.resume = opts.resume;
    if (opts.onMultipartStarted) req.onMultipartStarted = opts.onMultipartStarted;
    if (opts.onPartUploaded) req.onPartUploaded = opts.onPartUploaded;
    if (opts.checksumParts) req.partChecksum = blobCrc32;
    const { signal, pauseSignal } = opts;
    let transport = this.#transport;
    if (pauseSignal) {
      req.signal = signal ? AbortSignal.any([signal, pauseSignal]) : pauseSignal;
      transport = keepWhenPaused(transport, pauseSignal, signal);
    } else if (signal) req.signal = signal;
    const { etag } = await uploadBlob(transport, req);
    return { path, etag };
  }

  /**
   * Aborts a multipart upload of `path` (one paused, or remembered for a resume and then given up):
   * S3 frees its parts and no object appears. An upload already gone (completed, aborted, expired)
   * is not an error.
   */
  async abortUpload(path: string, uploadId: string): Promise<void> {
    const key = toKey(this.prefix, path, 'file');
    if (!uploadId) throw new StorageError('InvalidArgument', 'abortUpload needs the uploadId that onMultipartStarted reported.');
    const { sdk, client } = await this.#sdk();
    try {
      await sdk.send(client, new sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NoSuchUpload') return;
      throw err;
    }
  }

  /** A presigned GET URL that downloads the file under its own name (or `filename`). */
  async downloadUrl(path: string, opts: { expiresIn?: number; filename?: string } = {}): Promise<string> {
    const key = toKey(this.prefix, path, 'file');
    const expiresIn = opts.expiresIn ?? 300;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
      throw new RangeError(`expiresIn must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS} (7 days), got ${expiresIn}`);
    }
    const { sdk, client } = await this.#sdk();
    const command = new sdk.GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: attachmentDisposition(opts.filename ?? nameOf(path)),
    });
    try {
      // The URL dies with the session credentials that signed it, whatever expiresIn says.
      return await sdk.getSignedUrl(client, command, { expiresIn });
    } catch (err) {
      throw sdk.toStorageError(err);
    }
  }

  /**
   * A presigned GET URL that shows the file in the browser: inline, with S3 told which Content-Type
   * to answer, whatever was stored. The app picks a type it renders safely; HTML types are refused,
   * so uploaded content can never be turned into a page by asking for it.
   */
  async viewUrl(path: string, opts: { contentType: string; expiresIn?: number }): Promise<string> {
    const key = toKey(this.prefix, path, 'file');
    const expiresIn = opts.expiresIn ?? 900;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
      throw new RangeError(`expiresIn must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS} (7 days), got ${expiresIn}`);
    }
    const type = opts.contentType.trim();
    if (!/^[a-z]+\/[a-z0-9.+-]+(;.*)?$/i.test(type) || /^(text\/html|application\/xhtml\+xml|text\/xml|application\/xml)\b/i.test(type)) {
      throw new RangeError(`viewUrl serves content as ${JSON.stringify(type)}, which is not an allowed preview type: HTML and XML are never rendered. Use text/plain to show the source.`);
    }
    const { sdk, client } = await this.#sdk();
    const command = new sdk.GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: 'inline',
      ResponseContentType: type,
    });
    try {
      return await sdk.getSignedUrl(client, command, { expiresIn });
    } catch (err) {
      throw sdk.toStorageError(err);
    }
  }

  /** Deletes one file (deleting a missing file succeeds, as in S3). */
  async delete(path: string): Promise<void> {
    if (path.endsWith('/')) {
      throw new StorageError('InvalidKey', `${JSON.stringify(path)} is a folder. Use deleteFolder to delete a folder and everything in it.`);
    }
    const key = toKey(this.prefix, path, 'file');
    const { sdk, client } = await this.#sdk();
    await sdk.send(client, new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** Deletes files (and folder placeholders, for paths ending in '/'), 1000 per request. */
  async deleteMany(paths: string[]): Promise<void> {
    const keys = [...new Set(paths)].map((p) => toKey(this.prefix, p, p.endsWith('/') ? 'folder' : 'file'));
    if (keys.includes(this.prefix)) {
      throw new StorageError('InvalidKey', 'The root folder "" cannot be deleted. Delete the files and folders inside it instead.');
    }
    await this.#deleteKeys(keys);
  }

  /** Deletes a folder and everything below it; returns how many objects were deleted. */
  async deleteFolder(folder: string): Promise<number> {
    const dir = asFolder(folder);
    if (dir === '') {
      throw new StorageError('InvalidKey', 'deleteFolder("") would delete all your files. Name a folder, e.g. "photos/".');
    }
    const prefix = toKey(this.prefix, dir, 'folder');
    let deleted = 0;
    const failures: DeleteError[] = [];
    // Each listed page (at most 1000 keys) is one DeleteObjects; continuation tokens stay valid
    // while listed keys are deleted because they point past the last key returned.
    for await (const page of this.#listAll(prefix)) {
      try {
        deleted += await this.#deleteKeys(page.map((o) => o.key));
      } catch (err) {
        if (!(err instanceof DeleteError)) throw err;
        failures.push(err);
        deleted += err.deletedCount;
      }
    }
    if (failures.length) throw mergeDeleteErrors(failures, deleted);
    return deleted;
  }

  /** Creates an empty folder (a zero-byte 'name/' object); refuses if it already exists. */
  async createFolder(path: string): Promise<void> {
    const dir = asFolder(path);
    if (dir === '') throw new StorageError('InvalidKey', 'The folder name is empty. Type a name for the new folder.');
    const key = toKey(this.prefix, dir, 'folder');
    const { sdk, client } = await this.#sdk();
    try {
      await sdk.send(client, new sdk.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: '', ContentLength: 0, IfNoneMatch: '*' }));
    } catch (err) {
      if (err instanceof StorageError && err.code === 'AlreadyExists') {
        throw new StorageError('AlreadyExists', `A folder named "${nameOf(dir)}" already exists here. Choose another name.`, { status: err.status, cause: err });
      }
      throw err;
    }
  }

  /**
   * Moves (renames) a file or, for paths ending in '/', a folder with everything in it. A file
   * moved to a path ending in '/' goes into that folder under its own name. Refuses to replace
   * anything unless `overwrite`.
   */
  async move(from: string, to: string, opts: { overwrite?: boolean } = {}): Promise<void> {
    const overwrite = opts.overwrite ?? false;
    if (from.endsWith('/') || from === '') return this.#moveFolder(from, asFolder(to), overwrite);
    const target = to.endsWith('/') || to === '' ? to + nameOf(from) : to;
    const src = toKey(this.prefix, from, 'file');
    const dst = toKey(this.prefix, target, 'file');
    if (src === dst) throw sameLocation(from);
    await this.#copy(src, dst, overwrite);
    const { sdk, client } = await this.#sdk();
    await sdk.send(client, new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: src }));
  }

  async #moveFolder(from: string, to: string, overwrite: boolean): Promise<void> {
    if (from === '') throw new StorageError('InvalidKey', 'The root folder cannot be moved. Move the files and folders inside it instead.');
    const srcPrefix = toKey(this.prefix, from, 'folder');
    const dstPrefix = toKey(this.prefix, to, 'folder');
    if (srcPrefix === dstPrefix) throw sameLocation(from);
    if (dstPrefix.startsWith(srcPrefix)) {
      throw new StorageError('MoveIntoItself', `Cannot move the folder "${from}" into itself ("${to}"). Choose a destination outside it.`);
    }
    const sources: Listed[] = [];
    for await (const page of this.#listAll(srcPrefix)) sources.push(...page);
    if (sources.length === 0) {
      throw new StorageError('NoSuchKey', `The folder "${from}" does not exist (or is empty and has no placeholder). Refresh the listing.`);
    }
    // Every destination key is checked before anything is copied, so a too-long name or a huge
    // file cannot stop the move halfway.
    const plan = sources.map((s) => {
      const rel = s.key.slice(srcPrefix.length);
      const destPath = to + rel;
      return { src: s.key, dst: toKey(this.prefix, destPath, destPath.endsWith('/') ? 'folder' : 'file'), size: s.size };
    });
    const huge = plan.find((p) => p.size > MAX_COPY_SIZE);
    if (huge) throw copyTooLarge(fromKey(this.prefix, huge.src), huge.size);
    if (!overwrite) {
      // A folder that exists already would be merged into; refuse like for files. If-None-Match
      // on each copy still guards against anything created after this check.
      for await (const page of this.#listAll(dstPrefix, 1)) {
        if (page.length) {
          throw new StorageError('AlreadyExists', `A folder named "${nameOf(to)}" already exists there. Choose another name, or choose to merge and replace.`, { status: 412 });
        }
      }
    }
    const copied: string[] = [];
    try {
      await mapLimit(plan, COPY_CONCURRENCY, async (p) => {
        await this.#copy(p.src, p.dst, overwrite);
        copied.push(p.dst);
      });
    } catch (err) {
      // Without overwrite every copy made is a new object, so removing them undoes the move
      // exactly; with overwrite they may have replaced files, which must then stay.
      if (!overwrite && copied.length) await this.#deleteKeys(copied).catch(() => {});
      throw err;
    }
    await this.#deleteKeys(plan.map((p) => p.src));
  }

  async #copy(src: string, dst: string, overwrite: boolean): Promise<void> {
    const { sdk, client } = await this.#sdk();
    try {
      await sdk.send(
        client,
        new sdk.CopyObjectCommand({
          Bucket: this.bucket,
          Key: dst,
          CopySource: copySource(this.bucket, src),
          // S3 honours If-None-Match on CopyObject (conditional copy), so no HeadObject race.
          ...(overwrite ? {} : { IfNoneMatch: '*' }),
        }),
      );
    } catch (err) {
      if (err instanceof StorageError && err.code === 'InvalidRequest' && /copy source is larger/i.test(err.message)) {
        throw copyTooLarge(fromKey(this.prefix, src), undefined);
      }
      if (err instanceof StorageError && err.code === 'AlreadyExists') {
        throw new StorageError('AlreadyExists', `"${fromKey(this.prefix, dst)}" already exists. Choose another name, or choose to replace it.`, { status: err.status, cause: err });
      }
      throw err;
    }
  }

  async *#listAll(prefix: string, maxKeys?: number): AsyncGenerator<Listed[]> {
    let token: string | undefined;
    do {
      const out = await listObjectsV2(this.#fetch, { prefix, ...(token ? { token } : {}), ...(maxKeys ? { maxKeys } : {}) });
      const decode = out.encodingType === 'url' ? decodeListedKey : (k: string) => k;
      yield out.contents.map((o) => ({ key: decode(o.key), size: o.size }));
      if (maxKeys) return;
      token = out.nextToken;
    } while (token);
  }

  /** DeleteObjects in batches; returns the number deleted, throws a DeleteError listing failures. */
  async #deleteKeys(keys: string[]): Promise<number> {
    let deleted = 0;
    const failed: S3ErrorEntry[] = [];
    const { sdk, client } = await this.#sdk();
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const out = await sdk.send(
        client,
        new sdk.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const errors = out.Errors ?? [];
      failed.push(...errors);
      deleted += batch.length - errors.length;
    }
    if (failed.length) {
      throw new DeleteError(
        failed.map((e) => ({ path: e.Key ? (e.Key.startsWith(this.prefix) ? e.Key.slice(this.prefix.length) : e.Key) : '?', code: e.Code ?? 'UnknownError' })),
        deleted,
      );
    }
    return deleted;
  }
}

/** Some keys of a DeleteObjects could not be deleted; S3 reports them one by one. */
export class DeleteError extends StorageError {
  constructor(
    readonly failedKeys: { path: string; code: string }[],
    readonly deletedCount: number,
  ) {
    const first = failedKeys[0] ?? { path: '?', code: 'UnknownError' };
    const shown = failedKeys.slice(0, 3).map((f) => `"${f.path}" (${f.code})`).join(', ');
    const more = failedKeys.length > 3 ? ` and ${failedKeys.length - 3} more` : '';
    super(first.code, `${failedKeys.length} item(s) could not be deleted: ${shown}${more}. ${describe(first.code)}`, {
      status: first.code === 'AccessDenied' ? 403 : undefined,
    });
  }
}

function mergeDeleteErrors(errors: DeleteError[], deleted: number): DeleteError {
  return new DeleteError(errors.flatMap((e) => e.failedKeys), deleted);
}

function sameLocation(path: string): StorageError {
  return new StorageError('SameLocation', `"${path}" is already there: the source and destination are the same. Choose another destination.`);
}

function copyTooLarge(path: string, size: number | undefined): StorageError {
  return new StorageError(
    'TooLarge',
    `"${path}"${size ? ` is ${formatSize(size)}:` : ` is larger than ${formatSize(MAX_COPY_SIZE)}:`} moving files larger than ${formatSize(MAX_COPY_SIZE)} (5 GiB) is not supported yet. Download and upload it under the new name instead.`,
  );
}

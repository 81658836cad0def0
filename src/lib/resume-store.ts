// What a multipart upload needs to continue after a reload or a crash, kept in IndexedDB: the
// upload id, part size and the parts S3 confirmed, found again by a fingerprint of the file when
// the person adds the same file once more. Entries are scoped to one bucket and identity prefix, so
// one identity never sees another's. Where the browser gave a File System Access handle for the
// file, the handle is kept too, so the upload can continue by itself after a reload. Never
// credentials: only the fields of ResumeRecord are stored.

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { PartRef } from './transport.ts';

export interface ResumeRecord {
  /** Bucket and identity prefix: `${bucket}/${prefix}`. */
  scope: string;
  /** fileFingerprint() of the file being uploaded. */
  fingerprint: string;
  /** Destination, relative to the identity's prefix (what the person sees). */
  path: string;
  /** Full S3 key of the multipart upload. */
  key: string;
  /** For the start-up notice: which file to add again. */
  name: string;
  size: number;
  lastModified: number;
  uploadId: string;
  partSize: number;
  /**
   * Parts S3 confirmed, by part number, each with the CRC32 of its bytes where it was computed. A
   * resume still checks them against ListParts (size, ETag) and the file (CRC32).
   */
  parts: PartRef[];
  /**
   * The file's FileSystemFileHandle, where it was picked or dropped through the File System Access
   * API (Chromium): the app can read the file again after a reload, with the person's permission.
   */
  handle?: FileSystemFileHandle;
  /** When the multipart upload was created (epoch ms): the lifecycle rule counts from there. */
  createdAt: number;
  updatedAt: number;
}

/** Every field a record may hold; tests assert nothing else (no credentials) is ever written. */
export const RESUME_RECORD_FIELDS = [
  'scope',
  'fingerprint',
  'path',
  'key',
  'name',
  'size',
  'lastModified',
  'uploadId',
  'partSize',
  'parts',
  'handle',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof ResumeRecord)[];

/** Every field an entry of `parts` may hold. */
export const RESUME_PART_FIELDS = ['partNumber', 'etag', 'crc32'] as const satisfies readonly (keyof PartRef)[];

/** Field by field: whatever else a caller's part object carries is never stored. */
function partOf(p: PartRef): PartRef {
  return p.crc32 ? { partNumber: p.partNumber, etag: p.etag, crc32: p.crc32 } : { partNumber: p.partNumber, etag: p.etag };
}

/**
 * Below the 7-day lifecycle rule for incomplete multipart uploads, so an entry is given up (and its
 * upload aborted) before S3 removes the upload under it.
 */
export const STALE_AFTER_MS = 6 * 24 * 3600 * 1000;

const MiB = 1024 * 1024;
const DB_NAME = 'sessionbox-resume';
const STORE = 'uploads';

interface ResumeDB extends DBSchema {
  uploads: { key: [string, string, string]; value: ResumeRecord; indexes: { scope: string } };
}

function hex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Identifies a file across reloads without reading all of it: name, size, last modification and a
 * SHA-256 of its first and last MiB (the whole file when it is 2 MiB or less). A file edited in
 * the middle with the same size and timestamp would match: the resume then re-reads each kept
 * part and compares its CRC32 with the one recorded, and sends the parts that differ again.
 */
export async function fileFingerprint(file: Blob & { name: string; lastModified: number }): Promise<string> {
  const head = file.slice(0, Math.min(file.size, MiB));
  const tail = file.size > 2 * MiB ? file.slice(file.size - MiB) : file.slice(Math.min(file.size, MiB));
  const bytes = await new Blob([head, tail]).arrayBuffer();
  const digest = hex(await crypto.subtle.digest('SHA-256', bytes));
  return `${file.size}:${file.lastModified}:${digest}:${file.name}`;
}

export interface ResumeStoreOptions {
  bucket: string;
  /** The identity's prefix, e.g. 'uploads/us-east-1:abc/'. */
  prefix: string;
  dbName?: string;
  now?: () => number;
}

/** One identity's remembered multipart uploads. */
export class ResumeStore {
  readonly scope: string;
  readonly #dbName: string;
  readonly #now: () => number;
  #db: Promise<IDBPDatabase<ResumeDB>> | undefined;
  /** Writes run in order, so a part recorded late never revives a record removed after it. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(opts: ResumeStoreOptions) {
    if (!opts.bucket || !opts.prefix) throw new RangeError('ResumeStore needs the bucket and the identity prefix, to keep identities apart.');
    this.scope = `${opts.bucket}/${opts.prefix}`;
    this.#dbName = opts.dbName ?? DB_NAME;
    this.#now = opts.now ?? Date.now;
  }

  #open(): Promise<IDBPDatabase<ResumeDB>> {
    this.#db ??= openDB<ResumeDB>(this.#dbName, 1, {
      upgrade(db) {
        const store = db.createObjectStore(STORE, { keyPath: ['scope', 'fingerprint', 'path'] });
        store.createIndex('scope', 'scope');
      },
    });
    return this.#db;
  }

  #write<T>(op: (db: IDBPDatabase<ResumeDB>) => Promise<T>): Promise<T> {
    const next = this.#chain.then(async () => op(await this.#open()));
    this.#chain = next.catch(() => {});
    return next;
  }

  async get(fingerprint: string, path: string): Promise<ResumeRecord | undefined> {
    await this.#chain;
    return (await this.#open()).get(STORE, [this.scope, fingerprint, path]);
  }

  /** This identity's entries, oldest first. */
  async list(): Promise<ResumeRecord[]> {
    await this.#chain;
    const all = await (await this.#open()).getAllFromIndex(STORE, 'scope', this.scope);
    return all.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Remembers a multipart upload just created (or resumed under a new id). */
  start(info: {
    fingerprint: string;
    path: string;
    key: string;
    file: { name: string; size: number; lastModified: number };
    uploadId: string;
    partSize: number;
    parts?: PartRef[];
    createdAt?: number;
    handle?: FileSystemFileHandle | undefined;
  }): Promise<void> {
    const now = this.#now();
    // Built field by field: whatever else the caller's objects carry is never stored.
    const record: ResumeRecord = {
      scope: this.scope,
      fingerprint: info.fingerprint,
      path: info.path,
      key: info.key,
      name: info.file.name,
      size: info.file.size,
      lastModified: info.file.lastModified,
      uploadId: info.uploadId,
      partSize: info.partSize,
      parts: (info.parts ?? []).map(partOf),
      createdAt: info.createdAt ?? now,
      updatedAt: now,
    };
    if (info.handle) record.handle = info.handle;
    return this.#write(async (db) => {
      await db.put(STORE, record);
    });
  }

  /** Records a confirmed part of the upload `uploadId` (ignored when the entry is gone or newer). */
  addPart(fingerprint: string, path: string, uploadId: string, part: PartRef): Promise<void> {
    return this.#write(async (db) => {
      const tx = db.transaction(STORE, 'readwrite');
      const record = await tx.store.get([this.scope, fingerprint, path]);
      if (record && record.uploadId === uploadId) {
        record.parts = [...record.parts.filter((p) => p.partNumber !== part.partNumber), partOf(part)].sort(
          (a, b) => a.partNumber - b.partNumber,
        );
        record.updatedAt = this.#now();
        await tx.store.put(record);
      }
      await tx.done;
    });
  }

  remove(fingerprint: string, path: string): Promise<void> {
    return this.#write(async (db) => {
      await db.delete(STORE, [this.scope, fingerprint, path]);
    });
  }

  /**
   * Gives up entries older than `maxAgeMs`: each upload is aborted through `abort` and the entry
   * removed. An abort that fails is left to the bucket's lifecycle rule; the entry goes either way,
   * since it could no longer be resumed. Returns the entries that were given up.
   */
  async sweep(abort: (record: ResumeRecord) => Promise<void>, maxAgeMs: number = STALE_AFTER_MS): Promise<ResumeRecord[]> {
    const cutoff = this.#now() - maxAgeMs;
    const stale = (await this.list()).filter((r) => r.createdAt < cutoff);
    for (const r of stale) {
      await abort(r).catch(() => {});
      await this.remove(r.fingerprint, r.path);
    }
    return stale;
  }

  close(): void {
    void this.#db?.then((db) => db.close());
    this.#db = undefined;
  }
}

/** A store for the identity, or undefined where the browser offers no IndexedDB (then no resume). */
export function openResumeStore(bucket: string, prefix: string): ResumeStore | undefined {
  if (typeof indexedDB === 'undefined') return undefined;
  return new ResumeStore({ bucket, prefix });
}

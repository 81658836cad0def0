// Where the emulated S3 keeps objects, multipart uploads in progress and Cognito identities.
// Metadata and the sorted key index always live in memory (listing 100,000 keys must stay fast);
// bodies live in memory (node tests) or IndexedDB (the browser demo, so files survive a reload).

import type { SortedKeys } from './sorted-keys.ts';

/** Standard headers S3 stores with an object and returns on GET/HEAD. */
export const STORED_HEADERS = ['content-disposition', 'content-encoding', 'content-language', 'cache-control', 'expires'] as const;
export type StoredHeader = (typeof STORED_HEADERS)[number];

export interface StoredObject {
  key: string;
  size: number;
  /** Quoted, as S3 returns it: "md5hex" or "md5hex-N" for multipart uploads. */
  etag: string;
  /** Epoch ms, whole seconds (S3's resolution). */
  lastModified: number;
  contentType: string;
  headers: Partial<Record<StoredHeader, string>>;
  /** x-amz-meta-* values by lower-case name without the prefix. */
  metadata: Record<string, string>;
  checksumCrc32?: string;
  partsCount?: number;
}

export interface MultipartUpload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  contentType: string;
  headers: Partial<Record<StoredHeader, string>>;
  metadata: Record<string, string>;
  /** Identity id of the caller that started it (ListParts/ListMultipartUploads report it). */
  initiator: string;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: number;
  checksumCrc32?: string;
}

/** A Cognito identity. Kept with the objects so a demo guest finds their files again after a reload. */
export interface IdentityRecord {
  identityId: string;
  /** Linked logins as "provider\nsubject". Empty for guests. */
  logins: string[];
  createdAt: number;
}

export type KeyIndex = Pick<SortedKeys, 'length' | 'at' | 'lowerBound' | 'upperBound' | 'endOfPrefix' | 'has'>;

/**
 * Reads of metadata are synchronous. Every write updates the in-memory state before it first awaits,
 * so a check followed by a write in the same tick (conditional writes) cannot interleave with another
 * request; the returned promise settles once the write is durable.
 */
export interface ObjectStore {
  /** Loads persisted state; call (and await) before anything else. Idempotent. */
  ready(): Promise<void>;

  head(bucket: string, key: string): StoredObject | undefined;
  read(bucket: string, key: string): Promise<Blob | undefined>;
  put(bucket: string, object: StoredObject, body: Blob): Promise<void>;
  delete(bucket: string, key: string): Promise<void>;
  /** The bucket's keys in S3 listing order. */
  keys(bucket: string): KeyIndex;

  createUpload(upload: MultipartUpload): Promise<void>;
  getUpload(uploadId: string): MultipartUpload | undefined;
  /** In-progress uploads of a bucket, by key then initiation time. */
  listUploads(bucket: string): MultipartUpload[];
  putPart(uploadId: string, part: UploadedPart, body: Blob): Promise<void>;
  /** Parts by ascending part number. */
  listParts(uploadId: string): UploadedPart[];
  readPart(uploadId: string, partNumber: number): Promise<Blob | undefined>;
  /** Forgets the upload and its parts (after Complete or Abort). */
  deleteUpload(uploadId: string): Promise<void>;

  listIdentities(): IdentityRecord[];
  putIdentity(identity: IdentityRecord): Promise<void>;

  /** Removes everything: objects, uploads, identities. */
  clear(): Promise<void>;
}

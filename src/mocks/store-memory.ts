// The ObjectStore of node tests, and the in-memory half of the IndexedDB store.

import { compareKeys, SortedKeys } from './sorted-keys.ts';
import type { IdentityRecord, KeyIndex, MultipartUpload, ObjectStore, StoredObject, UploadedPart } from './store.ts';

interface Bucket {
  objects: Map<string, StoredObject>;
  keys: SortedKeys;
}

export class MemoryStore implements ObjectStore {
  protected readonly buckets = new Map<string, Bucket>();
  protected readonly uploads = new Map<string, MultipartUpload>();
  protected readonly parts = new Map<string, Map<number, UploadedPart>>();
  protected readonly identities = new Map<string, IdentityRecord>();
  /** Bodies held in memory. The IndexedDB store keeps here only writes not yet committed. */
  protected readonly bodies = new Map<string, Blob>();

  ready(): Promise<void> {
    return Promise.resolve();
  }

  head(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  async read(bucket: string, key: string): Promise<Blob | undefined> {
    if (!this.head(bucket, key)) return undefined;
    return this.bodies.get(objectId(bucket, key));
  }

  async put(bucket: string, object: StoredObject, body: Blob): Promise<void> {
    const b = this.bucket(bucket);
    b.objects.set(object.key, object);
    b.keys.add(object.key);
    this.bodies.set(objectId(bucket, object.key), body);
  }

  async delete(bucket: string, key: string): Promise<void> {
    const b = this.buckets.get(bucket);
    if (!b) return;
    b.objects.delete(key);
    b.keys.delete(key);
    this.bodies.delete(objectId(bucket, key));
  }

  keys(bucket: string): KeyIndex {
    return this.bucket(bucket).keys;
  }

  async createUpload(upload: MultipartUpload): Promise<void> {
    this.uploads.set(upload.uploadId, upload);
    this.parts.set(upload.uploadId, new Map());
  }

  getUpload(uploadId: string): MultipartUpload | undefined {
    return this.uploads.get(uploadId);
  }

  listUploads(bucket: string): MultipartUpload[] {
    return [...this.uploads.values()]
      .filter((u) => u.bucket === bucket)
      .sort((a, b) => compareKeys(a.key, b.key) || a.initiated - b.initiated || compareKeys(a.uploadId, b.uploadId));
  }

  async putPart(uploadId: string, part: UploadedPart, body: Blob): Promise<void> {
    const parts = this.parts.get(uploadId);
    if (!parts) throw new Error(`no multipart upload ${uploadId}`);
    parts.set(part.partNumber, part);
    this.bodies.set(partId(uploadId, part.partNumber), body);
  }

  listParts(uploadId: string): UploadedPart[] {
    return [...(this.parts.get(uploadId)?.values() ?? [])].sort((a, b) => a.partNumber - b.partNumber);
  }

  async readPart(uploadId: string, partNumber: number): Promise<Blob | undefined> {
    if (!this.parts.get(uploadId)?.has(partNumber)) return undefined;
    return this.bodies.get(partId(uploadId, partNumber));
  }

  async deleteUpload(uploadId: string): Promise<void> {
    for (const n of this.parts.get(uploadId)?.keys() ?? []) this.bodies.delete(partId(uploadId, n));
    this.parts.delete(uploadId);
    this.uploads.delete(uploadId);
  }

  listIdentities(): IdentityRecord[] {
    return [...this.identities.values()];
  }

  async putIdentity(identity: IdentityRecord): Promise<void> {
    this.identities.set(identity.identityId, identity);
  }

  async clear(): Promise<void> {
    this.buckets.clear();
    this.uploads.clear();
    this.parts.clear();
    this.identities.clear();
    this.bodies.clear();
  }

  protected bucket(name: string): Bucket {
    let b = this.buckets.get(name);
    if (!b) {
      b = { objects: new Map(), keys: new SortedKeys() };
      this.buckets.set(name, b);
    }
    return b;
  }
}

export function objectId(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}

export function partId(uploadId: string, partNumber: number): string {
  return `${uploadId}#${partNumber}`;
}

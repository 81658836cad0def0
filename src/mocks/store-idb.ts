// The demo's ObjectStore: IndexedDB, so a visitor's files survive a reload. Metadata is loaded into
// memory on open (listings stay fast); bodies are Blobs read from IndexedDB on demand.

import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { MemoryStore, objectId, partId } from './store-memory.ts';
import type { IdentityRecord, MultipartUpload, StoredObject, UploadedPart } from './store.ts';

interface EmulationDB extends DBSchema {
  objects: { key: [string, string]; value: { bucket: string; object: StoredObject } };
  bodies: { key: string; value: Blob };
  uploads: { key: string; value: MultipartUpload };
  parts: { key: [string, number]; value: { uploadId: string; part: UploadedPart } };
  identities: { key: string; value: IdentityRecord };
}

const STORES = ['objects', 'bodies', 'uploads', 'parts', 'identities'] as const;

export class IndexedDbStore extends MemoryStore {
  private db?: Promise<IDBPDatabase<EmulationDB>>;
  private loaded?: Promise<void>;

  constructor(readonly dbName = 'sessionbox-emulation') {
    super();
  }

  override ready(): Promise<void> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  override async read(bucket: string, key: string): Promise<Blob | undefined> {
    if (!this.head(bucket, key)) return undefined;
    const id = objectId(bucket, key);
    return this.bodies.get(id) ?? (await (await this.open()).get('bodies', id));
  }

  override async put(bucket: string, object: StoredObject, body: Blob): Promise<void> {
    const done = super.put(bucket, object, body);
    const id = objectId(bucket, object.key);
    await this.write(['objects', 'bodies'], async (tx) => {
      await Promise.all([tx.objectStore('objects').put({ bucket, object }, [bucket, object.key]), tx.objectStore('bodies').put(body, id)]);
    });
    this.forgetBody(id, body);
    await done;
  }

  override async delete(bucket: string, key: string): Promise<void> {
    await super.delete(bucket, key);
    await this.write(['objects', 'bodies'], async (tx) => {
      await Promise.all([tx.objectStore('objects').delete([bucket, key]), tx.objectStore('bodies').delete(objectId(bucket, key))]);
    });
  }

  override async createUpload(upload: MultipartUpload): Promise<void> {
    await super.createUpload(upload);
    await this.write(['uploads'], (tx) => tx.objectStore('uploads').put(upload, upload.uploadId).then(() => undefined));
  }

  override async putPart(uploadId: string, part: UploadedPart, body: Blob): Promise<void> {
    await super.putPart(uploadId, part, body);
    const id = partId(uploadId, part.partNumber);
    await this.write(['parts', 'bodies'], async (tx) => {
      await Promise.all([tx.objectStore('parts').put({ uploadId, part }, [uploadId, part.partNumber]), tx.objectStore('bodies').put(body, id)]);
    });
    this.forgetBody(id, body);
  }

  override async readPart(uploadId: string, partNumber: number): Promise<Blob | undefined> {
    if (!this.listParts(uploadId).some((p) => p.partNumber === partNumber)) return undefined;
    const id = partId(uploadId, partNumber);
    return this.bodies.get(id) ?? (await (await this.open()).get('bodies', id));
  }

  override async deleteUpload(uploadId: string): Promise<void> {
    const numbers = this.listParts(uploadId).map((p) => p.partNumber);
    await super.deleteUpload(uploadId);
    await this.write(['uploads', 'parts', 'bodies'], async (tx) => {
      await Promise.all([
        tx.objectStore('uploads').delete(uploadId),
        ...numbers.map((n) => tx.objectStore('parts').delete([uploadId, n])),
        ...numbers.map((n) => tx.objectStore('bodies').delete(partId(uploadId, n))),
      ]);
    });
  }

  override async putIdentity(identity: IdentityRecord): Promise<void> {
    await super.putIdentity(identity);
    await this.write(['identities'], (tx) => tx.objectStore('identities').put(identity, identity.identityId).then(() => undefined));
  }

  override async clear(): Promise<void> {
    await super.clear();
    await this.write([...STORES], async (tx) => {
      await Promise.all(STORES.map((s) => tx.objectStore(s).clear()));
    });
  }

  /** Closes the database connection (tests reopen it to check persistence). */
  async close(): Promise<void> {
    if (this.db) (await this.db).close();
  }

  private open(): Promise<IDBPDatabase<EmulationDB>> {
    this.db ??= openDB<EmulationDB>(this.dbName, 1, {
      upgrade(db) {
        for (const name of STORES) db.createObjectStore(name);
      },
    });
    return this.db;
  }

  private async load(): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(['objects', 'uploads', 'parts', 'identities'], 'readonly');
    const [objects, uploads, parts, identities] = await Promise.all([
      tx.objectStore('objects').getAll(),
      tx.objectStore('uploads').getAll(),
      tx.objectStore('parts').getAll(),
      tx.objectStore('identities').getAll(),
    ]);
    for (const { bucket, object } of objects) {
      const b = this.bucket(bucket);
      b.objects.set(object.key, object);
      b.keys.add(object.key);
    }
    for (const u of uploads) await super.createUpload(u);
    for (const { uploadId, part } of parts) this.parts.get(uploadId)?.set(part.partNumber, part);
    for (const i of identities) await super.putIdentity(i);
  }

  private async write<S extends (typeof STORES)[number]>(
    stores: S[],
    work: (tx: IDBPTransaction<EmulationDB, S[], 'readwrite'>) => Promise<void>,
  ): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(stores, 'readwrite');
    await Promise.all([work(tx), tx.done]);
  }

  private forgetBody(id: string, body: Blob): void {
    // Only the write that put this very Blob may drop it: a newer put may have replaced it meanwhile.
    if (this.bodies.get(id) === body) this.bodies.delete(id);
  }
}

// The slice of the storage core (src/lib/storage.ts) the UI uses. Kept structural so the state
// classes can be driven by a fake in tests; main.ts checks that the real Storage satisfies it.

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

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface FileStore {
  readonly prefix: string;
  list(folder: string, opts?: { token?: string; maxKeys?: number; signal?: AbortSignal }): Promise<ListPage>;
  upload(
    path: string,
    body: Blob,
    opts?: {
      overwrite?: boolean;
      contentType?: string;
      onProgress?: (p: UploadProgress) => void;
      signal?: AbortSignal;
    },
  ): Promise<{ path: string; etag: string }>;
  downloadUrl(path: string, opts?: { expiresIn?: number; filename?: string }): Promise<string>;
  delete(path: string): Promise<void>;
  deleteFolder(folder: string): Promise<number>;
  createFolder(path: string): Promise<void>;
}

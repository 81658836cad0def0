// The upload queue's rules without a browser: size and type limits named in the message, conflicts
// found before and after uploading, "apply to all", pause/resume handing the multipart upload id
// back to the store, and holding everything while the session is renewed.

import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/lib/errors.ts';
import { UploadQueue } from '../../src/app/uploads.svelte.ts';
import type { FileStore } from '../../src/app/types.ts';

type UploadOpts = Parameters<FileStore['upload']>[2];

interface Call {
  path: string;
  opts: NonNullable<UploadOpts>;
  settle: (err?: unknown) => void;
}

/** A store whose uploads wait until the test settles them. */
class FakeStore {
  calls: Call[] = [];
  existing = new Set<string>();
  upload(path: string, _body: Blob, opts: UploadOpts = {}): Promise<{ path: string; etag: string }> {
    return new Promise((resolve, reject) => {
      const call: Call = {
        path,
        opts,
        settle: (err) => (err ? reject(err) : resolve({ path, etag: '"e"' })),
      };
      const onAbort = () => reject(new StorageError('Aborted', 'aborted'));
      opts.signal?.addEventListener('abort', onAbort);
      opts.pauseSignal?.addEventListener('abort', onAbort);
      this.calls.push(call);
    });
  }
}

function file(name: string, size = 10, type = 'text/plain'): File {
  return new File([new Uint8Array(size)], name, { type });
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function queueWith(store: FakeStore, opts: ConstructorParameters<typeof UploadQueue>[1] = {}) {
  return new UploadQueue(store as unknown as FileStore, { exists: (p) => store.existing.has(p), ...opts });
}

describe('UploadQueue', () => {
  it('refuses files over the size limit or of a type the site does not accept, saying which and why', () => {
    const store = new FakeStore();
    const q = queueWith(store, { limits: { maxFileSize: 100, accept: ['.txt', 'image/*'] } });
    const [big, exe, ok, img] = q.add([file('big.txt', 101), file('tool.exe', 5, 'application/x-msdownload'), file('ok.txt'), file('cat', 5, 'image/png')], '');
    expect(big!.status).toBe('error');
    expect(big!.error).toMatch(/“big.txt” is 101 B; this site accepts files up to 100 B/);
    expect(big!.retryable).toBe(false);
    expect(exe!.status).toBe('error');
    expect(exe!.error).toContain('not a type this site accepts (.txt, image/*)');
    expect(ok!.status).toBe('uploading');
    expect(img!.status).toBe('uploading');
    expect(store.calls.map((c) => c.path)).toEqual(['ok.txt', 'cat']);
  });

  it('asks before uploading over a listed file, and keeps both under a free name', async () => {
    const store = new FakeStore();
    store.existing.add('docs/a.txt');
    store.existing.add('docs/a (1).txt');
    const q = queueWith(store);
    const [item] = q.add([file('a.txt')], 'docs/');
    expect(item!.status).toBe('conflict');
    expect(store.calls).toHaveLength(0);
    q.resolve(item!, 'keep');
    expect(item!.path).toBe('docs/a (2).txt');
    expect(store.calls[0]?.opts.overwrite).toBe(false);
    store.calls[0]!.settle();
    await flush();
    expect(item!.status).toBe('done');
  });

  it('turns a refused upload (the name was taken meanwhile) into the same question, and applies "all" to later ones', async () => {
    const store = new FakeStore();
    const q = queueWith(store, { concurrency: 1 });
    const [x, y, z] = q.add([file('x'), file('y'), file('z')], '');
    store.calls[0]!.settle(new StorageError('AlreadyExists', 'exists'));
    await flush();
    expect(x!.status).toBe('conflict');
    q.resolve(x!, 'replace', true);
    // y was started while x waited for an answer; x goes again with overwrite.
    expect(store.calls.map((c) => c.path)).toEqual(['x', 'y']);
    store.calls[1]!.settle(new StorageError('AlreadyExists', 'exists'));
    await flush();
    // No question for y: the batch's answer was "replace".
    expect(y!.status).not.toBe('conflict');
    for (let settled = 2; (settled < store.calls.length || q.active) && settled < 20; settled++) {
      store.calls[settled]?.settle();
      await flush();
    }
    expect(store.calls.filter((c, i) => i > 1 && c.path === 'y').map((c) => c.opts.overwrite)).toEqual([true]);
    expect(store.calls.filter((c, i) => i > 1 && c.path === 'x').map((c) => c.opts.overwrite)).toEqual([true]);
    expect(store.calls.filter((c) => c.path === 'z').map((c) => c.opts.overwrite)).toEqual([false]);
    expect([x, y, z].map((i) => i!.status)).toEqual(['done', 'done', 'done']);
  });

  it('skips with "skip", and only for the one item without "apply to all"', () => {
    const store = new FakeStore();
    store.existing = new Set(['a', 'b']);
    const q = queueWith(store);
    const [a, b] = q.add([file('a'), file('b')], '');
    q.resolve(a!, 'skip');
    expect(a!.status).toBe('skipped');
    expect(b!.status).toBe('conflict');
    expect(q.conflicts).toEqual([b]);
  });

  it('pauses without cancelling and resumes with the multipart upload id the store reported', async () => {
    const store = new FakeStore();
    const q = queueWith(store);
    const [item] = q.add([file('big.bin', 1000)], '');
    const first = store.calls[0]!;
    first.opts.onMultipartStarted?.({ uploadId: 'u-1', partSize: 500 });
    first.opts.onProgress?.({ loaded: 500, total: 1000 });
    q.pause(item!);
    await flush();
    expect(item!.status).toBe('paused');
    expect(first.opts.pauseSignal?.aborted).toBe(true);
    expect(first.opts.signal?.aborted).toBe(false);
    expect(item!.loaded).toBe(500);
    q.resume(item!);
    expect(store.calls[1]?.opts.resume).toEqual({ uploadId: 'u-1', partSize: 500 });
    store.calls[1]!.settle();
    await flush();
    expect(item!.status).toBe('done');
  });

  it('holds every upload while the session is renewed and resumes only those it paused', async () => {
    const store = new FakeStore();
    const q = queueWith(store, { concurrency: 1 });
    const [a, b, c] = q.add([file('a'), file('b'), file('c')], '');
    q.pause(c!);
    q.hold();
    await flush();
    expect([a, b, c].map((i) => i!.status)).toEqual(['paused', 'paused', 'paused']);
    // Nothing starts while held, even new files.
    const [d] = q.add([file('d')], '');
    expect(d!.status).toBe('queued');
    expect(store.calls).toHaveLength(1);
    q.release();
    expect(a!.status).toBe('uploading');
    expect(c!.status).toBe('paused');
  });
});

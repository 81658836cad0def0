// One engine, two transports: the same upload tests over the app's AWS SDK transport (with the
// SDK's Cognito provider) and the widget's signed-fetch transport (with Cognito over fetch),
// against the local AWS emulation under the real guest IAM policy. A guest may only PutObject,
// AbortMultipartUpload and ListMultipartUploadParts in uploads/{identityId}/, so bytes are checked
// in the emulation's store, never by downloading.

import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG, MiB, type AppConfig } from '../../src/lib/config.ts';
import { cognitoCredentials, type CredentialSource } from '../../src/lib/credentials.ts';
import { fetchCognitoCredentials } from '../../src/lib/cognito-fetch.ts';
import { fetchTransport } from '../../src/lib/fetch-transport.ts';
import { createS3Client, sdkTransport } from '../../src/lib/s3.ts';
import type { UploadTransport } from '../../src/lib/transport.ts';
import { uploadBlob, type UploadRequest } from '../../src/lib/upload.ts';
import { DEFAULTS, seedObject, storedText, useEmulation } from '../support/emulation.ts';
import { iamAuthorizer } from '../support/iam-authorizer.ts';
import { limit } from '../support/limits.ts';
import { probes } from '../support/s3.ts';
import { rejection, waitFor } from '../support/wait.ts';
import { patternBytes } from '../lib/fake-transport.ts';

const env = useEmulation({ authorize: iamAuthorizer({ bucket: DEFAULTS.bucket }) });

const config: AppConfig = { ...DEMO_CONFIG, mode: 'aws', region: env.region, bucket: env.bucket, identityPoolId: env.identityPoolId };

interface Client {
  transport: UploadTransport;
  credentials: CredentialSource;
}

const transports: Array<[string, () => Client]> = [
  [
    'AWS SDK transport',
    () => {
      const credentials = cognitoCredentials({ identityPoolId: env.identityPoolId, region: env.region });
      return { credentials, transport: sdkTransport(createS3Client(config, credentials), env.bucket) };
    },
  ],
  [
    'signed-fetch transport',
    () => {
      const credentials = fetchCognitoCredentials({ identityPoolId: env.identityPoolId });
      return { credentials, transport: fetchTransport({ bucket: env.bucket, region: env.region, credentials }) };
    },
  ],
];

/** Fast retries, so the transient-failure tests do not wait for real backoff. */
const ENGINE: Partial<UploadRequest> = { partSize: 5 * MiB, parallelParts: 3, retry: { baseDelayMs: 1, maxDelayMs: 5 }, requestTimeoutMs: limit(10_000) };

const { abortedWhileHeld, count, s3Calls, storedBytes } = probes(env);

describe.each(transports)('%s', (_name, make) => {
  /** A client for a new guest identity and the prefix its drop box is under. */
  async function guest(): Promise<Client & { prefix: string }> {
    const client = make();
    const { identityId } = await client.credentials.get();
    return { ...client, prefix: `uploads/${identityId}/` };
  }

  it('uploads a small file with one conditional PutObject', async () => {
    const { transport, prefix } = await guest();
    const key = `${prefix}note.txt`;
    const res = await uploadBlob(transport, { ...ENGINE, key, body: new Blob(['hello drop box'], { type: 'text/plain' }), contentType: 'text/plain' });
    expect(res).toEqual({ key, etag: env.emulator.store.head(env.bucket, key)?.etag });
    expect(env.emulator.store.head(env.bucket, key)).toMatchObject({ size: 14, contentType: 'text/plain' });
    expect(await storedText(env, key)).toBe('hello drop box');
    expect(s3Calls()).toEqual(['PutObject 200']);
  });

  it('uploads 12+ MiB in parts, byte for byte, and leaves no multipart upload behind', async () => {
    const { transport, prefix } = await guest();
    const key = `${prefix}video.bin`;
    const data = patternBytes(12 * MiB + 4321, 7);
    const progress: number[] = [];
    const res = await uploadBlob(transport, { ...ENGINE, key, body: new Blob([data]), onProgress: (p) => progress.push(p.loaded) });
    expect(res.parts).toBe(3);
    expect(res.etag).toBe(env.emulator.store.head(env.bucket, key)?.etag);
    expect(res.etag).toMatch(/^"[0-9a-f]{32}-3"$/);
    expect((await storedBytes(key))?.equals(Buffer.from(data))).toBe(true);
    expect(progress.at(-1)).toBe(data.length);
    expect(s3Calls().sort()).toEqual(['CompleteMultipartUpload 200', 'CreateMultipartUpload 200', 'UploadPart 200', 'UploadPart 200', 'UploadPart 200']);
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
  });

  it('cancelling a multipart upload aborts it: no upload and no object remain', async () => {
    const { transport, prefix } = await guest();
    const key = `${prefix}cancel.bin`;
    // Parts are held by the emulation: on their way, unanswered, when the cancel comes.
    env.emulator.faults.add({ match: { operation: 'UploadPart' }, times: Infinity, fault: { hold: 'parts' } });
    const ac = new AbortController();
    const p = uploadBlob(transport, { ...ENGINE, key, body: new Blob([patternBytes(16 * MiB, 3)]), signal: ac.signal });
    await waitFor(() => env.emulator.faults.held('parts') >= 2, 'two parts on their way');
    ac.abort();
    expect((await rejection(p)).code).toBe('Aborted');
    expect(s3Calls().filter((c) => c.startsWith('AbortMultipartUpload'))).toEqual(['AbortMultipartUpload 204']);
    expect(count('CompleteMultipartUpload')).toBe(0);
    // Never released by the test: the client's abort ended every part, unanswered.
    expect((await abortedWhileHeld('parts')).length).toBe(count('UploadPart'));
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
    expect(env.emulator.store.head(env.bucket, key)).toBeUndefined();
  });

  it('refuses to overwrite (412 → AlreadyExists) for single and multipart uploads, keeping the original', async () => {
    const { transport, prefix } = await guest();
    const key = `${prefix}taken.pdf`;
    await seedObject(env, key, 'original');

    const single = await rejection(uploadBlob(transport, { ...ENGINE, key, body: new Blob(['intruder']) }));
    expect(single).toMatchObject({ code: 'AlreadyExists', status: 412 });
    expect(single.message).toMatch(/already exists/);
    expect(s3Calls()).toEqual(['PutObject 412']);

    const multi = await rejection(uploadBlob(transport, { ...ENGINE, key, body: new Blob([patternBytes(6 * MiB, 5)]) }));
    expect(multi).toMatchObject({ code: 'AlreadyExists', status: 412 });
    expect(s3Calls().slice(-2)).toEqual(['CompleteMultipartUpload 412', 'AbortMultipartUpload 204']);
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
    expect(await storedText(env, key)).toBe('original');

    // Replacing on purpose works (the guest policy allows PutObject on its own keys).
    await uploadBlob(transport, { ...ENGINE, key, body: new Blob(['replacement']), overwrite: true });
    expect(await storedText(env, key)).toBe('replacement');
  });

  it('keeps odd names exactly, in single and multipart uploads', async () => {
    const { transport, prefix } = await guest();
    const names = ['with space.txt', 'ünïcødé ファイル.txt', '😀 emoji 🎉.png', 'plus+percent%25#hash?q&a=b.txt', "quote's \"double\" (1) [x] *!~.md", 'a+b %2F c.txt', '<tag>&amp;.xml'];
    for (const name of names) {
      await uploadBlob(transport, { ...ENGINE, key: prefix + name, body: new Blob([`body of ${name}`]) });
      expect(await storedText(env, prefix + name)).toBe(`body of ${name}`);
    }
    const big = `${prefix}${names[3]} (big) ${names[6]}`;
    const data = patternBytes(6 * MiB, 9);
    await uploadBlob(transport, { ...ENGINE, key: big, body: new Blob([data]) });
    expect((await storedBytes(big))?.equals(Buffer.from(data))).toBe(true);
    const keys = env.emulator.store.keys(env.bucket);
    const stored = Array.from({ length: keys.length }, (_, i) => keys.at(i)!);
    expect(stored.sort()).toEqual([...names.map((n) => prefix + n), big].sort());
  });

  it('renews credentials that expire mid-upload, once, and finishes', async () => {
    const { transport, prefix } = await guest();
    const key = `${prefix}renewed.bin`;
    const data = patternBytes(11 * MiB, 13);
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 2 }, fault: { expireCredentials: true } });
    await uploadBlob(transport, { ...ENGINE, key, body: new Blob([data]), parallelParts: 1 });
    expect((await storedBytes(key))?.equals(Buffer.from(data))).toBe(true);
    expect(s3Calls()).toContain('UploadPart 400');
    expect(count('GetCredentialsForIdentity')).toBe(2);

    // A single PUT after all credentials expired is renewed the same way.
    env.emulator.expireCredentials();
    await uploadBlob(transport, { ...ENGINE, key: `${prefix}after.txt`, body: new Blob(['after']) });
    expect(await storedText(env, `${prefix}after.txt`)).toBe('after');
    expect(count('GetCredentialsForIdentity')).toBe(3);
  });

  it('retries a transient 500 and a dropped connection', async () => {
    const { transport, prefix } = await guest();
    env.emulator.faults.add({ match: { operation: 'PutObject' }, fault: { status: 500, code: 'InternalError' } });
    await uploadBlob(transport, { ...ENGINE, key: `${prefix}small.txt`, body: new Blob(['small']) });
    expect(s3Calls()).toEqual(['PutObject 500', 'PutObject 200']);

    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 2 }, fault: { status: 503, code: 'SlowDown' } });
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 1 }, fault: { drop: true } });
    const data = patternBytes(7 * MiB, 17);
    await uploadBlob(transport, { ...ENGINE, key: `${prefix}parts.bin`, body: new Blob([data]) });
    expect((await storedBytes(`${prefix}parts.bin`))?.equals(Buffer.from(data))).toBe(true);
    expect(s3Calls().filter((c) => c.startsWith('UploadPart')).sort()).toEqual(['UploadPart 0', 'UploadPart 200', 'UploadPart 200', 'UploadPart 503']);
  });

  it('resumes a multipart upload: ListParts finds the parts S3 holds and only the rest are sent', async () => {
    const { transport, prefix } = await guest();
    const key = `${prefix}resumed.bin`;
    const data = patternBytes(12 * MiB, 23);
    const body = new Blob([data]);
    const { uploadId } = await transport.createMultipartUpload({ key });
    const first = await transport.uploadPart({ key, uploadId, partNumber: 1, body: body.slice(0, 5 * MiB) });
    const before = count('UploadPart');
    const res = await uploadBlob(transport, { ...ENGINE, key, body, resume: { uploadId, partSize: 5 * MiB, parts: [{ partNumber: 1, ...first }] } });
    expect(res.uploadId).toBe(uploadId);
    expect(count('ListParts')).toBe(1);
    expect(count('UploadPart') - before).toBe(2);
    expect((await storedBytes(key))?.equals(Buffer.from(data))).toBe(true);
  });

  it('maps refusals to actionable errors: another identity\'s drop box is AccessDenied', async () => {
    const { transport } = await guest();
    const err = await rejection(uploadBlob(transport, { ...ENGINE, key: 'uploads/us-east-1:00000000-0000-4000-8000-000000000000/x.txt', body: new Blob(['x']) }));
    expect(err).toMatchObject({ code: 'AccessDenied', status: 403, retryable: false });
    expect(err.message).toMatch(/Access denied/);
  });
});

// The page the upload benchmark drives: sessionbox's engine through the app's SDK transport and
// the widget's fetch transport, raw parallel fetch PUTs of the same parts (the ceiling) and Uppy's
// @uppy/aws-s3 with client-side credentials, all against the same sink on another origin.

import Uppy from '@uppy/core';
import AwsS3 from '@uppy/aws-s3';
import { DEFAULT_UPLOAD } from '../../../../src/lib/config.ts';
import type { AppConfig } from '../../../../src/lib/config.ts';
import type { CredentialSource, SessionCredentials } from '../../../../src/lib/credentials.ts';
import { fetchTransport } from '../../../../src/lib/fetch-transport.ts';
import { createS3Client, sdkTransport } from '../../../../src/lib/s3.ts';
import { uploadBlob } from '../../../../src/lib/upload.ts';
import { blobCrc32 } from '../../../../src/lib/checksum.ts';

const BUCKET = 'bench-bucket';
const REGION = 'us-east-1';
const creds: SessionCredentials = {
  accessKeyId: 'ASIABENCHBENCHBENCH1',
  secretAccessKey: 'benchbenchbenchbenchbenchbenchbenchbench',
  sessionToken: 'bench-session-token',
  expiration: new Date(Date.now() + 3600_000),
  identityId: 'us-east-1:00000000-0000-4000-8000-000000000000',
};
const source: CredentialSource = { get: async () => creds, refresh: async () => creds, identityId: creds.identityId };

let blob: Blob | undefined;
let run = 0;

async function makeBlob(size: number): Promise<{ size: number; attempts: number }> {
  // 16 MiB of noise repeated: incompressible enough, and the Blob is built without a 1 GiB array.
  const chunk = new Uint8Array(16 * 1024 * 1024);
  for (let i = 0; i < chunk.length; i += 65536) crypto.getRandomValues(chunk.subarray(i, i + 65536));
  const parts: BlobPart[] = [];
  for (let left = size; left > 0; left -= chunk.length) parts.push(left >= chunk.length ? chunk : chunk.subarray(0, left));
  // Chromium works out its Blob limits (how much it keeps in memory, how much it may page to disk)
  // some seconds after start-up. Before that, a 512 MiB Blob is broken at once
  // (net::ERR_BLOB_REFERENCED_BLOB_BROKEN on upload), and a smaller one is kept in memory and may
  // be paged out later, under a running upload (seen: every PUT of one run ending in
  // net::ERR_ABORTED). So first wait until a 512 MiB probe is readable, then build the real Blob
  // and read both ends of it before timing anything.
  for (let probes = 1; ; probes++) {
    const probe = new Blob(Array.from({ length: 32 }, () => chunk));
    try {
      await probe.slice(probe.size - 1).arrayBuffer();
      break;
    } catch (err) {
      if (probes >= 15) throw new Error(`Chromium could not hold a 512 MiB Blob after 30 s: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  for (let attempts = 1; ; attempts++) {
    const b = new Blob(parts, { type: 'application/octet-stream' });
    try {
      await b.slice(0, 1).arrayBuffer();
      await b.slice(b.size - 1).arrayBuffer();
      blob = b;
      return { size: b.size, attempts };
    } catch (err) {
      if (attempts >= 15) throw new Error(`could not build a ${size}-byte Blob in ${attempts} attempts over 30 s: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

function need(): Blob {
  if (!blob) throw new Error('makeBlob first');
  return blob;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function sessionbox(sink: string, o: { transport: 'sdk' | 'fetch'; partSize?: number; parallelParts?: number; checksum?: boolean | 'always' }): Promise<number> {
  const body = need();
  const config = { region: REGION, bucket: BUCKET, endpoints: { s3: sink, forcePathStyle: true } } as unknown as AppConfig;
  const transport =
    o.transport === 'sdk'
      ? sdkTransport(createS3Client(config, source), BUCKET)
      : fetchTransport({ bucket: BUCKET, region: REGION, credentials: source, endpoint: sink, forcePathStyle: true });
  const key = `bench/sessionbox-${run++}.bin`;
  return timed(() =>
    uploadBlob(transport, {
      key,
      body,
      partSize: o.partSize ?? DEFAULT_UPLOAD.partSize,
      parallelParts: o.parallelParts ?? DEFAULT_UPLOAD.parallelParts,
      // The app keeps each part's CRC32 for a resume (below the engine's speed threshold); the widget does not.
      ...(o.checksum ? { partChecksum: blobCrc32 } : {}),
      ...(o.checksum === 'always' ? { checksumBelowBytesPerSecond: Infinity } : {}),
    }),
  );
}

async function raw(sink: string, o: { partSize: number; parallel: number }): Promise<number> {
  const body = need();
  const id = `raw${run++}`;
  const count = Math.ceil(body.size / o.partSize);
  let next = 1;
  const worker = async () => {
    for (let n = next++; n <= count; n = next++) {
      const res = await fetch(`${sink}/${BUCKET}/bench/raw.bin?partNumber=${n}&uploadId=${id}`, {
        method: 'PUT',
        body: body.slice((n - 1) * o.partSize, n * o.partSize),
      });
      if (!res.ok) throw new Error(`part ${n}: HTTP ${res.status}`);
    }
  };
  return timed(() => Promise.all(Array.from({ length: Math.min(o.parallel, count) }, worker)));
}

async function single(sink: string): Promise<number> {
  const body = need();
  return timed(async () => {
    const res = await fetch(`${sink}/${BUCKET}/bench/single-${run++}.bin`, { method: 'PUT', body });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  });
}

async function uppy(sink: string, o: { partSize?: number }): Promise<number> {
  const body = need();
  const u = new Uppy({ autoProceed: false }).use(AwsS3, {
    s3Endpoint: `${sink}/${BUCKET}`,
    region: REGION,
    shouldUseMultipart: true,
    ...(o.partSize ? { getChunkSize: () => o.partSize! } : {}),
    getCredentials: async () => ({
      credentials: {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        sessionToken: creds.sessionToken,
        expiration: creds.expiration.toISOString(),
      },
      region: REGION,
    }),
  } as never);
  u.addFile({ name: `uppy-${run++}.bin`, type: 'application/octet-stream', data: body });
  try {
    return await timed(async () => {
      const result = await u.upload();
      if (!result || result.failed?.length) throw new Error(`Uppy failed: ${result?.failed?.map((f) => String(f.error)).join('; ')}`);
    });
  } finally {
    u.destroy();
  }
}

Object.assign(window, { bench: { makeBlob, sessionbox, raw, single, uppy, defaults: DEFAULT_UPLOAD } });
document.body.dataset.ready = 'true';

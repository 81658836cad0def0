// Which requests the emulation answers, and which it leaves to MSW's pass-through.

import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/mocks/emulator.ts';

const POOL = 'us-east-1:11111111-2222-3333-4444-555555555555';
const emulator = createEmulator({
  region: 'us-east-1',
  buckets: ['b1'],
  identityPoolId: POOL,
  endpoints: { s3: 'http://localhost:4566/s3', cognitoIdentity: 'http://localhost:4566/cognito' },
});

async function route(url: string, init: RequestInit = {}): Promise<string | undefined> {
  const before = emulator.requests.length;
  const res = await emulator.handle(new Request(url, init));
  if (!res) return undefined;
  const entry = emulator.requests[before]!;
  return `${entry.service} ${entry.operation} ${entry.key ?? '-'} ${res.status}`;
}

const cognitoInit = (target: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${target}` },
  body: JSON.stringify({ IdentityPoolId: POOL }),
});

describe('routing', () => {
  it('leaves requests for other hosts alone', async () => {
    expect(await route('https://example.com/b1/key')).toBeUndefined();
    expect(await route('https://b1.s3-accelerate.amazonaws.com/key')).toBeUndefined();
    expect(await route('https://sts.us-east-1.amazonaws.com/')).toBeUndefined();
    expect(await route('http://localhost:4566/other/x')).toBeUndefined();
  });

  it('recognises S3 virtual-hosted, path-style, dotted bucket and legacy global hostnames', async () => {
    expect(await route('https://b1.s3.us-east-1.amazonaws.com/a/b.txt')).toBe('s3 GetObject a/b.txt 403');
    expect(await route('https://s3.us-east-1.amazonaws.com/b1/a%20b')).toBe('s3 GetObject a b 403');
    expect(await route('https://b1.s3.amazonaws.com/k')).toBe('s3 GetObject k 403');
    expect(await route('https://my.s3.bucket.s3.us-east-1.amazonaws.com/k')).toBe('s3 GetObject k 404');
    expect(await route('https://s3.us-east-1.amazonaws.com/b1?list-type=2')).toBe('s3 ListObjectsV2 - 403');
    expect(await route('https://s3.us-east-1.amazonaws.com/b1/k?uploads', { method: 'POST' })).toBe('s3 CreateMultipartUpload k 403');
    expect(await route('https://s3.us-east-1.amazonaws.com/b1/k?uploadId=u&partNumber=3', { method: 'PUT', body: 'x' })).toBe('s3 UploadPart k 403');
    expect(await route('https://s3.us-east-1.amazonaws.com/b1/k?x-id=PutObject', { method: 'DELETE' })).toBe('s3 DeleteObject k 403');
  });

  it('serves configured endpoints with a base path, path style and bucket subdomains', async () => {
    expect(await route('http://localhost:4566/s3/b1/dir/k')).toBe('s3 GetObject dir/k 403');
    expect(await route('http://b1.localhost:4566/s3/k')).toBe('s3 GetObject k 403');
    expect(await route('http://localhost:4566/cognito', cognitoInit('GetId'))).toBe('cognito GetId - 200');
    expect(await route('https://cognito-identity.us-east-1.amazonaws.com/', cognitoInit('GetId'))).toBe('cognito GetId - 200');
  });

  it('answers a percent-encoding it cannot decode with InvalidURI', async () => {
    expect(await route('https://b1.s3.us-east-1.amazonaws.com/%E0%A4%A')).toBe('s3 GetObject %E0%A4%A 400');
  });
});

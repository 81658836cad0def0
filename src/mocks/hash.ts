// Digests the emulation needs: MD5 for ETags and Content-MD5, SHA-256 for payload hashes, CRC32 for
// x-amz-checksum-crc32. Pure JS or WebCrypto so the same code runs in node and in the demo's browser.
import { md5 as nobleMd5, sha1 as nobleSha1 } from '@noble/hashes/legacy.js';
import { crc32 as awsCrc32 } from '@aws-crypto/crc32';
import { concatBytes, fromHex, ownBuffer, toBase64, toHex, utf8 } from './encoding.ts';

export function md5(data: Uint8Array): Uint8Array {
  return nobleMd5(data);
}

export function md5Hex(data: Uint8Array): string {
  return toHex(md5(data));
}

export function sha1(data: Uint8Array): Uint8Array {
  return nobleSha1(data);
}

export async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? utf8(data) : data;
  return new Uint8Array(await crypto.subtle.digest('SHA-256', ownBuffer(bytes)));
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  return toHex(await sha256(data));
}

/** The value of an x-amz-checksum-crc32 header: base64 of the big-endian CRC. */
export function crc32Base64(data: Uint8Array): string {
  const n = awsCrc32(data) >>> 0;
  return toBase64(new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]));
}

/** S3's ETag of a single PUT: the quoted MD5 of the body. */
export function singlePartEtag(body: Uint8Array): string {
  return `"${md5Hex(body)}"`;
}

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, then "-" and the part count. */
export function multipartEtag(partEtags: string[]): string {
  const digests = partEtags.map((e) => fromHex(unquoteEtag(e)));
  return `"${md5Hex(concatBytes(digests))}-${partEtags.length}"`;
}

export function unquoteEtag(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

// A part's CRC32, kept with the resume record so a resume can tell that the file changed inside a
// part that S3 already holds (the fingerprint only reads the first and last MiB; S3's ETag only
// proves what was sent). Read as a stream, so a part is never copied into one buffer.
//
// Why @foxglove/crc: it runs beside every part's PUT, so its speed is upload speed on a fast link,
// and it was the fastest of the libraries compared (BENCHMARKS.md); @aws-crypto/crc32, which the
// emulation uses, is slower than a good uplink. Plain JavaScript: the production CSP allows no
// WebAssembly (node:zlib's native crc32 is not in browsers).
import { crc32Final, crc32Init, crc32Update } from '@foxglove/crc';

/**
 * CRC32 (IEEE, as zlib and S3's x-amz-checksum-crc32) of a Blob, as S3 writes it: base64 of the
 * four big-endian bytes. Rejects with the signal's reason once it aborts.
 */
export async function blobCrc32(blob: Blob, signal?: AbortSignal): Promise<string> {
  const reader = blob.stream().getReader();
  let crc = crc32Init();
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      crc = crc32Update(crc, value);
    }
  } catch (err) {
    void reader.cancel().catch(() => {});
    throw err;
  }
  return crc32Base64(crc32Final(crc));
}

/** base64 of the big-endian bytes of a CRC32 (signed or not). */
export function crc32Base64(crc: number): string {
  const n = crc >>> 0;
  return btoa(String.fromCharCode(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff));
}

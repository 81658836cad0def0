// An independent CRC32 for checking what the app records: node:zlib's native one (Node >= 20.15
// and 22.2), else @aws-crypto/crc32. The app itself uses neither (src/lib/checksum.ts).

import * as zlib from 'node:zlib';
import { crc32 as awsCrc32 } from '@aws-crypto/crc32';

/** CRC32 of `data` as base64 of the big-endian value, like x-amz-checksum-crc32. */
export function referenceCrc32(data: Uint8Array): string {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  const n = native ? native(data) : awsCrc32(data);
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n >>> 0);
  return out.toString('base64');
}

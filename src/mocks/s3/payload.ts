// The body of an S3 request as S3 sees it: the x-amz-content-sha256 promise checked, aws-chunked
// framing removed, and Content-MD5 / x-amz-checksum-* verified.

import { fromBase64, toBase64 } from '../encoding.ts';
import { crc32Base64, md5, sha1, sha256, sha256Hex } from '../hash.ts';
import { S3Error } from './errors.ts';
import { UNSIGNED_PAYLOAD } from './sigv4.ts';

const STREAMING = ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'];
const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;

export interface Payload {
  body: Uint8Array;
  /** Verified x-amz-checksum-crc32 (header, presigned query or trailer), to store and return. */
  checksumCrc32?: string;
}

/** `checksumParams`: presigned URLs carry x-amz-checksum-* in the query instead of headers. */
export async function readPayload(raw: Uint8Array, headers: Headers, payloadHash: string, checksumParams?: URLSearchParams): Promise<Payload> {
  let body = raw;
  const trailers = new Map<string, string>();
  if (payloadHash === UNSIGNED_PAYLOAD) {
    // Nothing promised.
  } else if (STREAMING.includes(payloadHash)) {
    // Chunk signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD are not verified: the JS SDK never sends them.
    body = decodeAwsChunked(raw, trailers);
    const declared = headers.get('x-amz-decoded-content-length');
    if (declared !== null && Number(declared) !== body.length) {
      throw new S3Error('IncompleteBody', `x-amz-decoded-content-length says ${declared} bytes, the chunks hold ${body.length}.`);
    }
  } else if (/^[0-9a-f]{64}$/.test(payloadHash)) {
    const actual = await sha256Hex(body);
    if (actual !== payloadHash) {
      throw new S3Error('XAmzContentSHA256Mismatch', undefined, { ClientComputedContentSHA256: payloadHash, S3ComputedContentSHA256: actual });
    }
  } else {
    throw new S3Error('InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.', {
      ArgumentName: 'x-amz-content-sha256',
      ArgumentValue: payloadHash,
    });
  }

  const contentMd5 = headers.get('content-md5');
  if (contentMd5 !== null) {
    const digest = fromBase64(contentMd5.trim());
    if (!digest || digest.length !== 16) throw new S3Error('InvalidDigest');
    if (toBase64(md5(body)) !== toBase64(digest)) throw new S3Error('BadDigest');
  }

  const given = CHECKSUM_ALGORITHMS.map((alg) => {
    const name = `x-amz-checksum-${alg}`;
    return [alg, headers.get(name) ?? checksumParams?.get(name) ?? trailers.get(name) ?? null] as const;
  }).filter((e): e is readonly [(typeof CHECKSUM_ALGORITHMS)[number], string] => e[1] !== null);
  if (given.length > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const declaredAlg = headers.get('x-amz-sdk-checksum-algorithm') ?? checksumParams?.get('x-amz-sdk-checksum-algorithm');
  if (declaredAlg && given.length === 0 && !headers.get('x-amz-trailer')) {
    throw new S3Error('InvalidRequest', `x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.`);
  }
  const [entry] = given;
  if (!entry) return { body };
  const [alg, value] = entry;
  let actual: string;
  switch (alg) {
    case 'crc32':
      actual = crc32Base64(body);
      break;
    case 'sha1':
      actual = toBase64(sha1(body));
      break;
    case 'sha256':
      actual = toBase64(await sha256(body));
      break;
    default:
      throw new S3Error('NotImplemented', `The emulation cannot verify x-amz-checksum-${alg}. Use CRC32 (requestChecksumCalculation: 'WHEN_REQUIRED' picks it).`);
  }
  if (actual !== value) {
    throw new S3Error('BadDigest', `The ${alg.toUpperCase()} you specified did not match the calculated checksum.`);
  }
  return alg === 'crc32' ? { body, checksumCrc32: value } : { body };
}

/** Strips aws-chunked framing: `hex-size[;chunk-signature=..]\r\n data \r\n ... 0\r\n trailers \r\n`. */
function decodeAwsChunked(raw: Uint8Array, trailers: Map<string, string>): Uint8Array {
  const chunks: Uint8Array[] = [];
  let at = 0;
  const line = (): string => {
    const end = indexOfCrlf(raw, at);
    if (end < 0) throw new S3Error('IncompleteBody', 'The aws-chunked body ends in the middle of a chunk header.');
    const text = new TextDecoder().decode(raw.subarray(at, end));
    at = end + 2;
    return text;
  };
  for (;;) {
    const header = line();
    const size = parseInt(header.split(';')[0]!, 16);
    if (!Number.isFinite(size) || size < 0) throw new S3Error('InvalidRequest', `Malformed aws-chunked chunk header "${header}".`);
    if (size === 0) break;
    if (at + size + 2 > raw.length) throw new S3Error('IncompleteBody', 'The aws-chunked body ends in the middle of a chunk.');
    chunks.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  while (at < raw.length) {
    const t = line();
    if (t === '') break;
    const i = t.indexOf(':');
    if (i > 0) trailers.set(t.slice(0, i).trim().toLowerCase(), t.slice(i + 1).trim());
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function indexOfCrlf(b: Uint8Array, from: number): number {
  for (let i = from; i < b.length - 1; i++) if (b[i] === 13 && b[i + 1] === 10) return i;
  return -1;
}

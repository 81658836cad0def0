// Runs the local AWS emulation (Cognito Identity + S3) over real HTTP, so the built app, or the dev
// server in "aws" mode, can be pointed at it: tsx scripts/local-aws.ts [--port 4566] [--bucket NAME].

import { parseArgs } from 'node:util';
import { createEmulator } from '../src/mocks/emulator.ts';
import { serveEmulator } from '../src/mocks/http.ts';

const USAGE = `Usage: tsx scripts/local-aws.ts [--port 4566] [--bucket sessionbox-local] [--pool us-east-1:<uuid>] [--cors-origin ORIGIN ...]

  --port         TCP port on 127.0.0.1 (default 4566; 0 picks a free one)
  --bucket       the bucket that exists (default sessionbox-local)
  --pool         the identity pool id (default us-east-1:0de00000-0000-4000-8000-000000000000)
  --cors-origin  origin allowed to call it from a browser; repeatable (default: any)`;

const BUCKET = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const POOL = /^([a-z]{2}(?:-[a-z]+)+-\d+):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function fail(problems: string[]): never {
  console.error(`${problems.map((p) => `error: ${p}`).join('\n')}\n\n${USAGE}`);
  process.exit(2);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string', default: '4566' },
      bucket: { type: 'string', default: 'sessionbox-local' },
      pool: { type: 'string', default: 'us-east-1:0de00000-0000-4000-8000-000000000000' },
      'cors-origin': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
}
try {
  args = parse();
} catch (err) {
  fail([`${(err as Error).message}.`]);
}
if (args.values.help) {
  console.log(USAGE);
  process.exit(0);
}

const problems: string[] = [];
const port = Number(args.values.port);
if (!/^\d+$/.test(args.values.port) || port > 65535) problems.push(`--port "${args.values.port}" is not a port number. Use 0-65535, e.g. --port 4566.`);
const bucket = args.values.bucket;
if (!BUCKET.test(bucket)) problems.push(`--bucket "${bucket}" is not a valid S3 bucket name. Use 3-63 lowercase letters, digits, dots and hyphens.`);
const pool = args.values.pool;
const poolMatch = POOL.exec(pool);
if (!poolMatch) problems.push(`--pool "${pool}" is not an identity pool id. It looks like "us-east-1:" followed by a UUID.`);
if (problems.length) fail(problems);
const region = poolMatch![1]!;

const emulator = createEmulator({
  region,
  buckets: [bucket],
  identityPoolId: pool,
  corsOrigins: args.values['cors-origin'] ?? ['*'],
});

let served: Awaited<ReturnType<typeof serveEmulator>>;
try {
  served = await serveEmulator(emulator, { port, host: '127.0.0.1' });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  fail([e.code === 'EADDRINUSE' ? `port ${port} is already in use. Stop whatever listens there or pick another with --port.` : `could not listen on 127.0.0.1:${port}: ${e.message}`]);
}

const config = {
  mode: 'aws',
  region,
  bucket,
  identityPoolId: pool,
  endpoints: { s3: served.url, cognitoIdentity: served.url, forcePathStyle: true },
};
console.log(`Local AWS emulation (Cognito Identity + S3) listening on ${served.url}
Bucket "${bucket}" in ${region}, identity pool ${pool}; objects are kept in memory until this stops.

Point the app at it with this public/config.json:
${JSON.stringify(config, null, 2)}

Ctrl+C stops it.`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void served.close().finally(() => process.exit(0));
  });
}

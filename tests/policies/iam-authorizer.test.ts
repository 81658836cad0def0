// The authorizer the node emulation uses to run the app's tests under the real policies.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prefixAuthorizer, type AuthorizationRequest } from '../../src/mocks/authorize.ts';
import { iamAuthorizer } from '../support/iam-authorizer.ts';
import { PLACEHOLDERS, POLICY_FILES, readPolicyFile } from './iam.ts';

const ME = 'us-east-1:0a0a0a0a-1111-4111-8111-0a0a0a0a0a0a';
const YOU = 'us-east-1:0b0b0b0b-2222-4222-8222-0b0b0b0b0b0b';
const BUCKET = 'sessionbox-test';
const NOW = Date.UTC(2025, 5, 1, 12);

const req = (r: Partial<AuthorizationRequest> & Pick<AuthorizationRequest, 'action'>): AuthorizationRequest => ({
  bucket: BUCKET, identityId: ME, authenticated: true, tokenIssueTime: NOW, secureTransport: true, ...r,
});

describe('iamAuthorizer', () => {
  const authorize = iamAuthorizer({ bucket: BUCKET });

  it.each([
    ['signed-in reads its own file', req({ action: 's3:GetObject', key: `users/${ME}/a.txt` }), true],
    ['signed-in writes a nested file', req({ action: 's3:PutObject', key: `users/${ME}/x/y z.bin` }), true],
    ['signed-in deletes its own file', req({ action: 's3:DeleteObject', key: `users/${ME}/a.txt` }), true],
    ['signed-in lists its own prefix', req({ action: 's3:ListBucket', listPrefix: `users/${ME}/` }), true],
    ['signed-in lists a subfolder', req({ action: 's3:ListBucket', listPrefix: `users/${ME}/photos/` }), true],
    ['signed-in reads another identity\'s file', req({ action: 's3:GetObject', key: `users/${YOU}/a.txt` }), false],
    ['signed-in lists the bucket root', req({ action: 's3:ListBucket', listPrefix: '' }), false],
    ['signed-in lists all users', req({ action: 's3:ListBucket', listPrefix: 'users/' }), false],
    ['signed-in lists in-progress multipart uploads', req({ action: 's3:ListBucketMultipartUploads' }), false],
    ['guest uploads into its drop box', req({ action: 's3:PutObject', key: `uploads/${ME}/a.jpg`, authenticated: false }), true],
    ['guest lists the parts of its upload', req({ action: 's3:ListMultipartUploadParts', key: `uploads/${ME}/a.jpg`, authenticated: false }), true],
    ['guest reads its own upload', req({ action: 's3:GetObject', key: `uploads/${ME}/a.jpg`, authenticated: false }), false],
    ['guest lists its drop box', req({ action: 's3:ListBucket', listPrefix: `uploads/${ME}/`, authenticated: false }), false],
    ['guest deletes its own upload', req({ action: 's3:DeleteObject', key: `uploads/${ME}/a.jpg`, authenticated: false }), false],
    ['guest writes into the signed-in area', req({ action: 's3:PutObject', key: `users/${ME}/a.jpg`, authenticated: false }), false],
    ['plain HTTP', req({ action: 's3:GetObject', key: `users/${ME}/a.txt`, secureTransport: false }), false],
    ['another bucket than the deployment\'s', req({ action: 's3:GetObject', key: `users/${ME}/a.txt`, bucket: 'other-bucket' }), false],
  ] as const)('%s', async (_name, r, allowed) => {
    expect(await authorize(r)).toBe(allowed);
  });

  it.each([
    ['a "*" in the name', `users/${ME}/a*b.txt`, true],
    ['a name that is only "*"', `users/${ME}/*`, true],
    ['a "?" in the name', `users/${ME}/why?.txt`, true],
    ['a line break in the name', `users/${ME}/two\nlines.txt`, true],
    ['a "*" where another id would be', 'users/*/a.txt', false],
    ['a "*" right after "users/"', `users/*${ME.slice(1)}/a.txt`, false],
    ['a line break inside the id', `users/${ME}\n/a.txt`, false],
  ] as const)('odd names are judged literally, as IAM does: %s', async (_n, key, allowed) => {
    expect(await authorize(req({ action: 's3:PutObject', key }))).toBe(allowed);
    expect(await authorize(req({ action: 's3:ListBucket', listPrefix: key.slice(0, key.lastIndexOf('/') + 1) }))).toBe(allowed);
  });

  it('says why: plain HTTP is an explicit deny of the bucket policy', async () => {
    const d = await authorize.decide(req({ action: 's3:PutObject', key: `users/${ME}/a`, secureTransport: false }));
    expect(d).toMatchObject({ allowed: false, decision: 'ExplicitlyDenied', resource: `arn:aws:s3:::${BUCKET}/users/${ME}/a` });
  });

  it('without a bucket option every bucket is treated as deployed with the policies', async () => {
    const any = iamAuthorizer();
    expect(await any(req({ action: 's3:GetObject', key: `users/${ME}/a`, bucket: 'sessionbox-demo' }))).toBe(true);
    expect(await any(req({ action: 's3:GetObject', key: `users/${YOU}/a`, bucket: 'sessionbox-demo' }))).toBe(false);
  });

  it('lets the app in because its role ARN is on the bucket policy\'s allow-list', async () => {
    // The same requests under a bucket policy whose allow-list lacks the two roles: refused.
    const dir = mkdtempSync(join(tmpdir(), 'sessionbox-allow-list-'));
    try {
      for (const f of POLICY_FILES) writeFileSync(join(dir, f), JSON.stringify(readPolicyFile(f)));
      const bp = readPolicyFile('bucket-policy.json');
      const app: string[] = [PLACEHOLDERS.authenticatedRoleArn, PLACEHOLDERS.guestRoleArn];
      for (const s of bp.Statement) {
        const list = s.Condition?.ArnNotLike?.['aws:PrincipalArn'];
        if (Array.isArray(list)) s.Condition!.ArnNotLike!['aws:PrincipalArn'] = list.filter((a) => !app.includes(a));
      }
      writeFileSync(join(dir, 'bucket-policy.json'), JSON.stringify(bp));
      const without = iamAuthorizer({ bucket: BUCKET, policyDir: dir, account: '123456789012' });
      const withList = iamAuthorizer({ bucket: BUCKET, account: '123456789012' });
      const requests = [
        req({ action: 's3:GetObject', key: `users/${ME}/a.txt` }),
        req({ action: 's3:ListBucket', listPrefix: `users/${ME}/` }),
        req({ action: 's3:PutObject', key: `uploads/${ME}/a.jpg`, authenticated: false }),
      ];
      for (const r of requests) {
        expect((await withList.decide(r)).decision, `${r.action} with the roles listed`).toBe('Allowed');
        expect((await without.decide(r)).decision, `${r.action} without them`).toBe('ExplicitlyDenied');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to guess when the emulation passes no issue time', async () => {
    await expect(authorize(req({ action: 's3:GetObject', key: `users/${ME}/a`, tokenIssueTime: Number.NaN }))).rejects.toThrow(/tokenIssueTime/);
  });

  it('reports each decision to onDecision', async () => {
    const seen: string[] = [];
    const a = iamAuthorizer({ bucket: BUCKET, onDecision: (r, d) => seen.push(`${r.action} ${d.decision}`) });
    await a(req({ action: 's3:GetObject', key: `users/${YOU}/a` }));
    expect(seen).toEqual(['s3:GetObject ImplicitlyDenied']);
  });

  it('agrees with the demo\'s prefixAuthorizer for signed-in identities, and is stricter for guests', async () => {
    const keys = [`users/${ME}/a`, `users/${YOU}/a`, `uploads/${ME}/a`, 'x'];
    const actions = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
    const stricter: string[] = [];
    for (const authenticated of [true, false]) {
      const cases = [
        ...keys.flatMap((key) => actions.map((action) => req({ action, key, authenticated }))),
        ...['', 'users/', `users/${ME}/`, `uploads/${ME}/`, `users/${ME}/sub/`].map((listPrefix) => req({ action: 's3:ListBucket', listPrefix, authenticated })),
      ];
      for (const r of cases) {
        const real = await authorize(r);
        const demo = await prefixAuthorizer(r);
        if (real === demo) continue;
        expect(real, `${r.action} ${r.key ?? r.listPrefix}: the real policy must never allow more than the demo`).toBe(false);
        stricter.push(`${authenticated ? 'signed-in' : 'guest'} ${r.action} ${r.key ?? r.listPrefix}`);
      }
    }
    expect(stricter.sort()).toEqual([
      `guest s3:DeleteObject uploads/${ME}/a`,
      `guest s3:GetObject uploads/${ME}/a`,
      `guest s3:ListBucket uploads/${ME}/`,
    ]);
  });
});

// `npm run policies`: argument checking, faithful rendering, and rendered files that still hold.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, parseRenderArgs, PLACEHOLDERS, renderAll, RENDERED_FILES, UsageError, type RenderValues } from '../../scripts/policies.ts';
import { POLICY_DIR, readPolicyFile, simulate, substituteSub } from './iam.ts';

// Evaluated templates and rendered files are untyped JSON; tests walk them by known paths.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const AUTH_ROLE = 'arn:aws:iam::123456789012:role/acme-files-signed-in';
const GUEST_ROLE = 'arn:aws:iam::123456789012:role/acme-files-guest';
const GOOD = ['--bucket', 'acme-files', '--account', '123456789012', '--pool', 'eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110', '--authenticated-role-arn', AUTH_ROLE, '--origin', 'https://files.acme.com'];

function problems(argv: string[]): string[] {
  try {
    parseRenderArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return e.problems;
    throw e;
  }
  return [];
}

describe('npm run policies: arguments', () => {
  it('accepts the five required flags and normalizes the origin', () => {
    const { values } = parseRenderArgs([...GOOD.slice(0, -1), 'https://files.acme.com/', '--widget-origin', 'https://www.acme.com,https://shop.acme.com', '--widget-origin=https://www.acme.com']);
    expect(values).toMatchObject({ bucket: 'acme-files', appOrigin: 'https://files.acme.com', widgetOrigins: ['https://www.acme.com', 'https://shop.acme.com'], partition: 'aws' });
    expect(values.breakGlassPrincipalArn).toBeUndefined();
    expect(values).toMatchObject({ authenticatedRoleArn: AUTH_ROLE, guestRoleArn: undefined, adminRoleArn: undefined, webIdentityRoleArn: undefined });
  });
  const GOOD_FLAGS: Record<string, string> = {
    bucket: 'acme-files', account: '123456789012', pool: 'eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110', origin: 'https://files.acme.com', 'authenticated-role-arn': AUTH_ROLE,
  };
  const argv = (flags: Record<string, string | undefined>, extra: string[] = []) => [
    ...Object.entries({ ...GOOD_FLAGS, ...flags }).flatMap(([k, v]) => (v === undefined ? [] : [`--${k}`, v])),
    ...extra,
  ];
  it('reports every missing flag at once, each with an example', () => {
    const p = problems([]);
    for (const flag of ['bucket', 'account', 'pool', 'origin', 'authenticated-role-arn']) expect(p.join('\n')).toMatch(new RegExp(`--${flag} is missing\\. Add it, e\\.g\\. --${flag} \\S+`));
  });
  it.each([
    ['a bucket ARN', argv({ bucket: 'arn:aws:s3:::acme-files' }), /--bucket "arn:aws:s3:::acme-files".*bare bucket name/],
    ['a dotted bucket', argv({ bucket: 'files.acme.com' }), /--bucket .*no dots/],
    ['a short account', argv({ account: '12345' }), /--account "12345" must be the 12-digit account id/],
    ['a pool without region', argv({ pool: '0f1e2d3c-4b5a-4968-8776-655443322110' }), /--pool .* is not an identity pool id/],
    ['an http origin', argv({ origin: 'http://files.acme.com' }), /--origin .* must use https:\/\//],
    ['an origin with a path', argv({ origin: 'https://files.acme.com/app/' }), /--origin .* with a path.*Use https:\/\/files\.acme\.com$/],
    ['a widget origin that is no URL', argv({ 'widget-origin': 'www.acme.com' }), /--widget-origin "www\.acme\.com" is not a URL/],
    ['a break-glass ARN of another account', argv({ 'break-glass-arn': 'arn:aws:iam::999999999999:user/ops' }), /--break-glass-arn .* is in account 999999999999, not --account 123456789012/],
    ['a break-glass value that is no ARN', argv({ 'break-glass-arn': 'ops' }), /--break-glass-arn "ops" must be an IAM user, role or root ARN/],
    ['an unknown partition', argv({ partition: 'aws-mars' }), /--partition "aws-mars" must be one of/],
    ['a user ARN as a role', argv({ 'admin-role-arn': 'arn:aws:iam::123456789012:user/ops' }), /--admin-role-arn "arn:aws:iam::123456789012:user\/ops" must be an IAM role ARN/],
    ['a role name instead of its ARN', argv({ 'authenticated-role-arn': 'acme-files-signed-in' }), /--authenticated-role-arn "acme-files-signed-in" must be an IAM role ARN/],
    ['a role of another account', argv({ 'guest-role-arn': 'arn:aws:iam::999999999999:role/guest' }), /--guest-role-arn .* is in account 999999999999, not --account 123456789012/],
    ['a role of another partition', argv({ 'web-identity-role-arn': 'arn:aws-cn:iam::123456789012:role/web' }), /--web-identity-role-arn .* is in partition aws-cn, not --partition aws/],
    ['the admin role equal to the authenticated role', argv({ 'admin-role-arn': AUTH_ROLE }), /--admin-role-arn names the same role as --authenticated-role-arn/],
    ['an unknown flag', argv({ bukket: 'x' }), /unknown flag --bukket/],
    ['a flag without value', argv({}, ['--out']), /--out needs a value/],
    ['a flag given twice', argv({}, ['--account', '123456789012']), /--account is given 2 times/],
    ['a stray argument', argv({}, ['acme-files']), /unexpected argument "acme-files"/],
  ] as const)('names the flag and the fix for %s, and nothing else', (_name, args, expected) => {
    const p = problems([...args]);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(expected);
  });
});

describe('npm run policies: rendering', () => {
  const asPlaceholders: RenderValues = {
    bucket: PLACEHOLDERS.bucket, account: PLACEHOLDERS.account, identityPoolId: PLACEHOLDERS.identityPoolId, appOrigin: PLACEHOLDERS.appOrigin,
    widgetOrigins: [PLACEHOLDERS.widgetOrigin], breakGlassPrincipalArn: PLACEHOLDERS.breakGlassPrincipalArn, partition: 'aws',
    authenticatedRoleArn: PLACEHOLDERS.authenticatedRoleArn, guestRoleArn: PLACEHOLDERS.guestRoleArn,
    webIdentityRoleArn: PLACEHOLDERS.webIdentityRoleArn, adminRoleArn: PLACEHOLDERS.adminRoleArn,
  };
  it('rendering with the placeholder values reproduces the files exactly', () => {
    const out = renderAll(asPlaceholders, POLICY_DIR);
    for (const f of RENDERED_FILES) expect(out[f], f).toEqual(readPolicyFile(f));
  });

  it('real values replace every placeholder and nothing else', () => {
    const values: RenderValues = {
      bucket: 'acme-files', account: '123456789012', identityPoolId: 'eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110', appOrigin: 'https://files.acme.com',
      widgetOrigins: [], partition: 'aws-cn', authenticatedRoleArn: 'arn:aws-cn:iam::123456789012:role/acme-files-signed-in',
    };
    const out = renderAll(values, POLICY_DIR);
    const text = JSON.stringify(out);
    for (const p of [PLACEHOLDERS.bucket, PLACEHOLDERS.account, PLACEHOLDERS.identityPoolId, PLACEHOLDERS.appOrigin, PLACEHOLDERS.widgetOrigin, 'break-glass-admin', 'sessionbox-admin', 'sessionbox-web-identity', 'sessionbox-guest', 'arn:aws:']) {
      expect(text).not.toContain(p);
    }
    expect((out['cors.json'] as { CORSRules: { AllowedOrigins: string[] }[] }).CORSRules[0]!.AllowedOrigins).toEqual(['https://files.acme.com']);
    expect(JSON.stringify(out['identity-policy-authenticated.json'])).toContain('arn:aws-cn:s3:::acme-files/users/${cognito-identity.amazonaws.com:sub}/*');
    expect(JSON.stringify(out['trust-policy-guest.json'])).toContain('"eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110"');
    expect(out['lifecycle.json']).toEqual(readPolicyFile('lifecycle.json'));
  });

  it('drops what was not asked for: the absent roles leave the allow-lists, the MFA statement goes without an admin role', () => {
    const base: RenderValues = { bucket: 'acme-files', account: '123456789012', identityPoolId: 'eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110', appOrigin: 'https://files.acme.com', widgetOrigins: [], partition: 'aws', authenticatedRoleArn: AUTH_ROLE };
    type BP = { Statement: { Sid: string; Condition: Record<string, Record<string, unknown>> }[] };
    const allowList = (bp: BP, sid: string) => bp.Statement.find((st) => st.Sid === sid)!.Condition.ArnNotLike!['aws:PrincipalArn'];
    const minimal = renderAll(base, POLICY_DIR)['bucket-policy.json'] as BP;
    expect(minimal.Statement.map((st) => st.Sid)).not.toContain('AdminRoleOnlyWithMfa');
    expect(allowList(minimal, 'DataOnlyForTheAppRoles')).toEqual([AUTH_ROLE]);
    expect(allowList(minimal, 'ListingsOnlyForTheAppRoles')).toEqual([AUTH_ROLE]);
    expect(minimal.Statement.find((st) => st.Sid === 'DenyLongTermCredentialsOnTheBucket')!.Condition.ArnNotLike).toBeUndefined();

    const admin = 'arn:aws:iam::123456789012:role/people/files-admin';
    const all = renderAll({ ...base, guestRoleArn: GUEST_ROLE, adminRoleArn: admin, webIdentityRoleArn: 'arn:aws:iam::123456789012:role/files-web' }, POLICY_DIR)['bucket-policy.json'] as BP;
    expect(allowList(all, 'DataOnlyForTheAppRoles')).toEqual([AUTH_ROLE, GUEST_ROLE, 'arn:aws:iam::123456789012:role/files-web', admin]);
    expect(all.Statement.find((st) => st.Sid === 'AdminRoleOnlyWithMfa')!.Condition.ArnLike).toEqual({ 'aws:PrincipalArn': admin });
  });

  it('the rendered policies still decide as the tested ones do', async () => {
    const values: RenderValues = { bucket: 'acme-files', account: '123456789012', identityPoolId: 'eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110', appOrigin: 'https://files.acme.com', widgetOrigins: [], partition: 'aws', authenticatedRoleArn: 'arn:aws:iam::123456789012:role/auth' };
    const out = renderAll(values, POLICY_DIR) as Record<string, Json>;
    const me = 'eu-west-1:0a0a0a0a-1111-4111-8111-0a0a0a0a0a0a';
    const ask = (key: string, opts: { session?: boolean } = {}) =>
      simulate({
        principal: opts.session === false ? 'arn:aws:iam::123456789012:user/x' : 'arn:aws:sts::123456789012:assumed-role/auth/CognitoIdentityCredentials',
        action: 's3:GetObject',
        resource: `arn:aws:s3:::acme-files/${key}`,
        context: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/auth', ...(opts.session === false ? {} : { 'aws:TokenIssueTime': '2025-06-01T12:00:00Z' }) },
        identityPolicies: [substituteSub(out['identity-policy-authenticated.json'], me)],
        resourcePolicy: out['bucket-policy.json'],
        account: '123456789012',
      });
    expect((await ask(`users/${me}/a.txt`)).decision).toBe('Allowed');
    expect((await ask('users/someone-else/a.txt')).decision).toBe('ImplicitlyDenied');
    expect((await ask(`users/${me}/a.txt`, { session: false })).decision).toBe('ExplicitlyDenied');
    const trust = await simulate({
      principal: 'cognito-identity.amazonaws.com', action: 'sts:AssumeRoleWithWebIdentity', resource: 'arn:aws:iam::123456789012:role/auth',
      context: { 'cognito-identity.amazonaws.com:aud': values.identityPoolId, 'cognito-identity.amazonaws.com:amr': ['authenticated'] },
      identityPolicies: [], resourcePolicy: out['trust-policy-authenticated.json'], account: '123456789012',
    });
    expect(trust.decision).toBe('Allowed');
  });

  const outDirs: string[] = [];
  afterAll(() => outDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('main() writes the eight files and tells how to apply them; bad input exits 2 without writing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessionbox-policies-'));
    outDirs.push(dir);
    const log: string[] = [];
    const err: string[] = [];
    expect(main([...GOOD, '--guest-role-arn', GUEST_ROLE, '--break-glass-arn', 'arn:aws:iam::123456789012:user/ops', '--out', dir], (s) => log.push(s), (s) => err.push(s))).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([...RENDERED_FILES].sort());
    const bp = JSON.parse(readFileSync(join(dir, 'bucket-policy.json'), 'utf8'));
    expect(bp.Statement.find((st: Json) => st.Sid === 'DenyLongTermCredentialsOnTheBucket').Condition.ArnNotLike).toEqual({ 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/ops' });
    expect(bp.Statement.find((st: Json) => st.Sid === 'DataOnlyForTheAppRoles').Condition.ArnNotLike).toEqual({ 'aws:PrincipalArn': [AUTH_ROLE, GUEST_ROLE] });
    expect(log.join('\n')).toContain('aws s3api put-bucket-policy --bucket acme-files');
    expect(log.join('\n')).toContain('aws iam put-role-policy --role-name acme-files-signed-in --policy-name sessionbox');
    expect(log.join('\n')).toContain('aws iam put-role-policy --role-name acme-files-guest --policy-name sessionbox');
    expect(err).toEqual([]);

    const dir2 = join(dir, 'never');
    expect(main(['--bucket', 'Acme', '--out', dir2], () => {}, (s) => err.push(s))).toBe(2);
    expect(err.join('\n')).toMatch(/error: --bucket "Acme"/);
    expect(() => readdirSync(dir2)).toThrow();
  });
});

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

const GOOD = ['--bucket', 'acme-files', '--account', '123456789012', '--pool', 'eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110', '--origin', 'https://files.acme.com'];

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
  it('accepts the four required flags and normalizes the origin', () => {
    const { values } = parseRenderArgs([...GOOD.slice(0, -1), 'https://files.acme.com/', '--widget-origin', 'https://www.acme.com,https://shop.acme.com', '--widget-origin=https://www.acme.com']);
    expect(values).toMatchObject({ bucket: 'acme-files', appOrigin: 'https://files.acme.com', widgetOrigins: ['https://www.acme.com', 'https://shop.acme.com'], partition: 'aws' });
    expect(values.breakGlassPrincipalArn).toBeUndefined();
  });
  const GOOD_FLAGS: Record<string, string> = { bucket: 'acme-files', account: '123456789012', pool: 'eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110', origin: 'https://files.acme.com' };
  const argv = (flags: Record<string, string | undefined>, extra: string[] = []) => [
    ...Object.entries({ ...GOOD_FLAGS, ...flags }).flatMap(([k, v]) => (v === undefined ? [] : [`--${k}`, v])),
    ...extra,
  ];
  it('reports every missing flag at once, each with an example', () => {
    const p = problems([]);
    for (const flag of ['bucket', 'account', 'pool', 'origin']) expect(p.join('\n')).toMatch(new RegExp(`--${flag} is missing\\. Add it, e\\.g\\. --${flag} \\S+`));
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
  };
  it('rendering with the placeholder values reproduces the files exactly', () => {
    const out = renderAll(asPlaceholders, POLICY_DIR);
    for (const f of RENDERED_FILES) expect(out[f], f).toEqual(readPolicyFile(f));
  });

  it('real values replace every placeholder and nothing else', () => {
    const values: RenderValues = {
      bucket: 'acme-files', account: '123456789012', identityPoolId: 'eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110', appOrigin: 'https://files.acme.com',
      widgetOrigins: [], partition: 'aws-cn',
    };
    const out = renderAll(values, POLICY_DIR);
    const text = JSON.stringify(out);
    for (const p of [PLACEHOLDERS.bucket, PLACEHOLDERS.account, PLACEHOLDERS.identityPoolId, PLACEHOLDERS.appOrigin, PLACEHOLDERS.widgetOrigin, 'break-glass-admin', 'arn:aws:']) {
      expect(text).not.toContain(p);
    }
    expect((out['cors.json'] as { CORSRules: { AllowedOrigins: string[] }[] }).CORSRules[0]!.AllowedOrigins).toEqual(['https://files.acme.com']);
    expect(JSON.stringify(out['identity-policy-authenticated.json'])).toContain('arn:aws-cn:s3:::acme-files/users/${cognito-identity.amazonaws.com:sub}/*');
    expect(JSON.stringify(out['trust-policy-guest.json'])).toContain('"eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110"');
    expect(out['lifecycle.json']).toEqual(readPolicyFile('lifecycle.json'));
  });

  it('the rendered policies still decide as the tested ones do', async () => {
    const values: RenderValues = { bucket: 'acme-files', account: '123456789012', identityPoolId: 'eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110', appOrigin: 'https://files.acme.com', widgetOrigins: [], partition: 'aws' };
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
    expect(main([...GOOD, '--break-glass-arn', 'arn:aws:iam::123456789012:user/ops', '--out', dir], (s) => log.push(s), (s) => err.push(s))).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([...RENDERED_FILES].sort());
    const bp = JSON.parse(readFileSync(join(dir, 'bucket-policy.json'), 'utf8'));
    expect(bp.Statement[0].Condition.ArnNotLike).toEqual({ 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/ops' });
    expect(log.join('\n')).toContain('aws s3api put-bucket-policy --bucket acme-files');
    expect(err).toEqual([]);

    const dir2 = join(dir, 'never');
    expect(main(['--bucket', 'Acme', '--out', dir2], () => {}, (s) => err.push(s))).toBe(2);
    expect(err.join('\n')).toMatch(/error: --bucket "Acme"/);
    expect(() => readdirSync(dir2)).toThrow();
  });
});

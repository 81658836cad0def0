// template.yaml must embed exactly the tested JSON files, resolve under every combination of its
// parameters, and produce a config.json the app accepts.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/lib/config.ts';
import { renderAll, type RenderValues } from '../../scripts/policies.ts';
import { Evaluator, parseTemplate, references, type Environment, type Template } from './cfn.ts';
import { APP_ROLE, CONFIG_FILES, PLACEHOLDERS, POLICY_DIR, readPolicyFile } from './iam.ts';

// Evaluated templates and rendered files are untyped JSON; tests walk them by known paths.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const TEMPLATE_TEXT = readFileSync(join(POLICY_DIR, 'template.yaml'), 'utf8');
const template = parseTemplate(TEMPLATE_TEXT);

const PSEUDO = ['AWS::AccountId', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackName', 'AWS::StackId', 'AWS::URLSuffix', 'AWS::NotificationARNs'];

interface Scenario {
  account: string;
  region: string;
  bucket: string;
  pool: string;
  appDomain: string;
  signIn: 'None' | 'CognitoUserPool' | 'ExternalOidc';
  allowGuests: boolean;
  widgetOrigins: string[];
  breakGlass?: string | undefined;
  adminRole?: string | undefined;
  webIdentityRole?: string | undefined;
  existingOidcProviderArn?: string;
  /** The names CloudFormation gives the two roles (GetAtt …Arn). */
  roleNames?: { authenticated: string; guest: string };
}

/** The placeholder deployment the JSON files describe. */
const PLACEHOLDER_SCENARIO: Scenario = {
  account: PLACEHOLDERS.account,
  region: PLACEHOLDERS.region,
  bucket: PLACEHOLDERS.bucket,
  pool: PLACEHOLDERS.identityPoolId,
  appDomain: new URL(PLACEHOLDERS.appOrigin).host,
  signIn: 'CognitoUserPool',
  allowGuests: true,
  widgetOrigins: [PLACEHOLDERS.widgetOrigin],
  breakGlass: PLACEHOLDERS.breakGlassPrincipalArn,
  adminRole: PLACEHOLDERS.adminRoleArn,
  webIdentityRole: PLACEHOLDERS.webIdentityRoleArn,
  roleNames: APP_ROLE,
};

const GENERATED_ROLE_NAMES = { authenticated: 'sessionbox-AuthenticatedRole-X', guest: 'sessionbox-GuestRole-Y' };

const USER_POOL_ID = (region: string) => `${region}_AbCdEf123`;

function environment(s: Scenario): Environment {
  const roles = s.roleNames ?? GENERATED_ROLE_NAMES;
  return {
    pseudo: { 'AWS::AccountId': s.account, 'AWS::Region': s.region, 'AWS::Partition': 'aws', 'AWS::StackName': 'sessionbox', 'AWS::URLSuffix': 'amazonaws.com' },
    parameters: {
      DataBucketName: s.bucket,
      AllowGuests: String(s.allowGuests),
      SignIn: s.signIn,
      UserPoolDomainPrefix: s.signIn === 'CognitoUserPool' ? 'acme-files' : '',
      OidcIssuerUrl: s.signIn === 'ExternalOidc' ? 'https://login.acme.com/realms/staff' : '',
      OidcClientId: s.signIn === 'ExternalOidc' ? 'sessionbox-web' : '',
      OidcThumbprint: '',
      ExistingOidcProviderArn: s.existingOidcProviderArn ?? '',
      WidgetOrigins: s.widgetOrigins.join(','),
      ExtraConnectSources: '',
      BreakGlassPrincipalArn: s.breakGlass ?? '',
      AdminRoleArn: s.adminRole ?? '',
      WebIdentityRoleArn: s.webIdentityRole ?? '',
      PriceClass: 'PriceClass_100',
    },
    refs: {
      DataBucket: s.bucket,
      IdentityPool: s.pool,
      UserPool: USER_POOL_ID(s.region),
      UserPoolClient: '1example23456789abcdefghij',
      UserPoolDomain: 'acme-files',
      OidcProvider: `arn:aws:iam::${s.account}:oidc-provider/login.acme.com/realms/staff`,
      SiteBucket: 'sessionbox-sitebucket-1a2b3c4d',
      SiteHeaders: '0a1b2c3d-rhp',
      SiteOriginAccessControl: 'E1OACEXAMPLE',
      Distribution: 'E2DISTEXAMPLE',
      AuthenticatedRole: roles.authenticated,
      GuestRole: roles.guest,
    },
    attributes: {
      'Distribution.DomainName': s.appDomain,
      'UserPool.ProviderName': `cognito-idp.${s.region}.amazonaws.com/${USER_POOL_ID(s.region)}`,
      'AuthenticatedRole.Arn': `arn:aws:iam::${s.account}:role/${roles.authenticated}`,
      'GuestRole.Arn': `arn:aws:iam::${s.account}:role/${roles.guest}`,
      'SiteBucket.RegionalDomainName': `sessionbox-sitebucket-1a2b3c4d.s3.${s.region}.amazonaws.com`,
      'SiteOriginAccessControl.Id': 'E1OACEXAMPLE',
    },
  };
}

const resource = (t: Template, name: string) => {
  const r = t.Resources[name];
  if (!r) throw new Error(`template has no resource ${name}`);
  return r;
};

/** The template's documents as CloudFormation would send them, keyed by the file they must equal. */
function embedded(s: Scenario): Record<string, unknown> {
  const ev = new Evaluator(template, environment(s));
  const props = (name: string) => ev.value(resource(template, name).Properties) as Record<string, Json>;
  const auth = props('AuthenticatedRole');
  const guest = props('GuestRole');
  const data = props('DataBucket');
  const onlyPolicy = (p: Record<string, Json>) => {
    expect(p.Policies).toHaveLength(1);
    return p.Policies[0].PolicyDocument;
  };
  return {
    'trust-policy-authenticated.json': auth.AssumeRolePolicyDocument,
    'identity-policy-authenticated.json': onlyPolicy(auth),
    'trust-policy-guest.json': guest.AssumeRolePolicyDocument,
    'identity-policy-guest.json': onlyPolicy(guest),
    'bucket-policy.json': props('DataBucketPolicy').PolicyDocument,
    'cors.json': corsToS3Api(data.CorsConfiguration),
    'lifecycle.json': lifecycleToS3Api(data.LifecycleConfiguration),
  };
}

// CloudFormation and the S3 API spell the same configuration differently.
function corsToS3Api(c: { CorsRules: Record<string, unknown>[] }) {
  const names: Record<string, string> = { Id: 'ID', ExposedHeaders: 'ExposeHeaders', MaxAge: 'MaxAgeSeconds' };
  return { CORSRules: c.CorsRules.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [names[k] ?? k, v]))) };
}
function lifecycleToS3Api(c: { Rules: Record<string, unknown>[] }) {
  return {
    Rules: c.Rules.map(({ Id, Prefix, ...rest }) => ({ ID: Id, ...rest, Filter: { Prefix: Prefix ?? '' } })),
  };
}

const order = (o: unknown): unknown =>
  Array.isArray(o) ? o.map(order) : o && typeof o === 'object' ? Object.fromEntries(Object.keys(o).sort().map((k) => [k, order((o as Record<string, unknown>)[k])])) : o;

describe('template.yaml: structure', () => {
  it('parses as YAML with CloudFormation tags into a template', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(Object.keys(template.Resources).length).toBeGreaterThan(10);
  });

  it('reads the same under YAML 1.1 (no scalar turns into a date, boolean or null)', () => {
    expect(parseTemplate(TEMPLATE_TEXT, '1.1')).toEqual(template);
  });

  it('refers only to parameters, resources, pseudo parameters and conditions that exist', () => {
    const names = new Set([...Object.keys(template.Parameters), ...Object.keys(template.Resources), ...PSEUDO]);
    const all = references({ Resources: template.Resources, Outputs: template.Outputs, Conditions: template.Conditions });
    for (const r of Object.values(template.Resources)) if (r.Condition) all.conditions.add(r.Condition);
    for (const o of Object.values(template.Outputs)) if (o.Condition) all.conditions.add(o.Condition);
    expect([...all.refs].filter((n) => !names.has(n))).toEqual([]);
    expect([...all.conditions].filter((c) => !(c in template.Conditions))).toEqual([]);
  });

  it('has no circular dependency between resources', () => {
    const deps = new Map(
      Object.entries(template.Resources).map(([name, r]) => [
        name,
        [...references(r.Properties).refs, ...[r.DependsOn ?? []].flat()].filter((n) => n in template.Resources),
      ]),
    );
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (n: string, path: string[]) => {
      if (state.get(n) === 'done') return;
      if (state.get(n) === 'visiting') throw new Error(`cycle: ${[...path, n].join(' -> ')}`);
      state.set(n, 'visiting');
      for (const d of deps.get(n) ?? []) visit(d, [...path, n]);
      state.set(n, 'done');
    };
    for (const n of deps.keys()) visit(n, []);
  });

  const combos: Scenario[] = [];
  for (const signIn of ['None', 'CognitoUserPool', 'ExternalOidc'] as const) {
    for (const allowGuests of [true, false]) {
      if (signIn === 'None' && !allowGuests) continue;
      for (const extras of [false, true]) {
        combos.push({
          ...PLACEHOLDER_SCENARIO, signIn, allowGuests,
          widgetOrigins: extras ? ['https://a.example.org', 'https://b.example.org'] : [],
          breakGlass: extras ? PLACEHOLDERS.breakGlassPrincipalArn : undefined,
          adminRole: extras ? PLACEHOLDERS.adminRoleArn : undefined,
          webIdentityRole: extras ? PLACEHOLDERS.webIdentityRoleArn : undefined,
          existingOidcProviderArn: extras && signIn === 'ExternalOidc' ? 'arn:aws:iam::111122223333:oidc-provider/login.acme.com' : undefined,
        });
      }
    }
  }
  it.each(combos.map((s) => [`SignIn=${s.signIn} AllowGuests=${s.allowGuests} extras=${s.widgetOrigins.length > 0}`, s] as const))(
    'every created resource and output resolves with %s',
    (_n, s) => {
      const ev = new Evaluator(template, environment(s));
      for (const [name, r] of Object.entries(template.Resources)) {
        if (r.Condition && !ev.condition(r.Condition)) continue;
        expect(() => ev.value(r.Properties), name).not.toThrow();
      }
      for (const [name, o] of Object.entries(template.Outputs)) {
        if (o.Condition && !ev.condition(o.Condition)) continue;
        expect(typeof ev.value(o.Value), name).toBe('string');
      }
    },
  );

  it('its Rules refuse a stack that nobody could get into, and a user pool without a domain', () => {
    const rules = template.Rules as Record<string, { RuleCondition?: unknown; Assertions: { Assert: unknown }[] }>;
    const passes = (s: Scenario, prefix?: string) => {
      const env = environment(s);
      if (prefix !== undefined) env.parameters.UserPoolDomainPrefix = prefix;
      const withConditions = { ...template, Conditions: { ...template.Conditions } };
      let i = 0;
      return Object.values(rules).every((rule) => {
        const check = (expr: unknown) => {
          const name = `__rule${i++}`;
          withConditions.Conditions[name] = expr;
          return new Evaluator(withConditions, env).condition(name);
        };
        if (rule.RuleCondition !== undefined && !check(rule.RuleCondition)) return true;
        return rule.Assertions.every((a) => check(a.Assert));
      });
    };
    expect(passes({ ...PLACEHOLDER_SCENARIO })).toBe(true);
    expect(passes({ ...PLACEHOLDER_SCENARIO, signIn: 'None', allowGuests: true })).toBe(true);
    expect(passes({ ...PLACEHOLDER_SCENARIO, signIn: 'None', allowGuests: false })).toBe(false);
    expect(passes({ ...PLACEHOLDER_SCENARIO }, '')).toBe(false);
  });
});

describe('template.yaml: one source of truth with the JSON files', () => {
  const docs = embedded(PLACEHOLDER_SCENARIO);
  it.each(Object.keys(docs).map((f) => [f] as const))('embeds exactly %s', (file) => {
    expect(order(docs[file])).toEqual(order(readPolicyFile(file)));
  });

  type BucketPolicy = { Statement: { Sid: string; Condition: Record<string, Record<string, string | string[]>> }[] };
  it('drops the break-glass exemption when BreakGlassPrincipalArn is empty, as the renderer does', () => {
    const t = embedded({ ...PLACEHOLDER_SCENARIO, breakGlass: undefined })['bucket-policy.json'] as BucketPolicy;
    const deny = t.Statement.find((s) => s.Sid === 'DenyLongTermCredentialsOnTheBucket')!;
    expect(Object.keys(deny.Condition).sort()).toEqual(['BoolIfExists', 'Null']);
  });

  it('without guests, AdminRoleArn and WebIdentityRoleArn the allow-lists name the authenticated role only, and the MFA statement is gone', () => {
    const t = embedded({ ...PLACEHOLDER_SCENARIO, allowGuests: false, adminRole: undefined, webIdentityRole: undefined })['bucket-policy.json'] as BucketPolicy;
    expect(t.Statement.map((s) => s.Sid)).toEqual(['DenyLongTermCredentialsOnObjects', 'DenyLongTermCredentialsOnTheBucket', 'DataOnlyForTheAppRoles', 'ListingsOnlyForTheAppRoles', 'DenyInsecureTransport']);
    for (const sid of ['DataOnlyForTheAppRoles', 'ListingsOnlyForTheAppRoles']) {
      expect(t.Statement.find((s) => s.Sid === sid)!.Condition.ArnNotLike, sid).toEqual({ 'aws:PrincipalArn': [PLACEHOLDERS.authenticatedRoleArn] });
    }
  });

  const REAL: Scenario = {
    account: '123456789012', region: 'eu-west-1', bucket: 'acme-sessionbox-files', pool: 'eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110',
    appDomain: 'd111111abcdef8.cloudfront.net', signIn: 'CognitoUserPool', allowGuests: true, widgetOrigins: ['https://www.acme.com', 'https://shop.acme.com'],
  };
  it.each([
    ['without break-glass, admin or web-identity role', REAL],
    ['with a break-glass user', { ...REAL, breakGlass: 'arn:aws:iam::123456789012:user/ops' }],
    ['with an admin and a web-identity role', { ...REAL, adminRole: 'arn:aws:iam::123456789012:role/people/files-admin', webIdentityRole: 'arn:aws:iam::123456789012:role/files-web' }],
    ['without guests', { ...REAL, allowGuests: false }],
  ] as const)('with real values (%s) it equals what `npm run policies` renders', (_n, s: Scenario) => {
    const roles = s.roleNames ?? GENERATED_ROLE_NAMES;
    const values: RenderValues = {
      bucket: s.bucket, account: s.account, identityPoolId: s.pool, appOrigin: `https://${s.appDomain}`,
      widgetOrigins: s.widgetOrigins, breakGlassPrincipalArn: s.breakGlass, partition: 'aws',
      authenticatedRoleArn: `arn:aws:iam::${s.account}:role/${roles.authenticated}`,
      guestRoleArn: s.allowGuests ? `arn:aws:iam::${s.account}:role/${roles.guest}` : undefined,
      adminRoleArn: s.adminRole, webIdentityRoleArn: s.webIdentityRole,
    };
    const rendered = renderAll(values, POLICY_DIR);
    const fromTemplate = embedded(s);
    for (const file of Object.keys(fromTemplate)) expect(order(fromTemplate[file]), file).toEqual(order(rendered[file]));
  });

  it('the two config files are the documents S3 expects', () => {
    const cors = readPolicyFile<{ CORSRules: { AllowedOrigins: string[]; AllowedMethods: string[]; ExposeHeaders: string[]; MaxAgeSeconds: number }[] }>(CONFIG_FILES[0]);
    const rule = cors.CORSRules[0]!;
    expect(rule.AllowedOrigins).toEqual([PLACEHOLDERS.appOrigin, PLACEHOLDERS.widgetOrigin]);
    expect(rule.AllowedOrigins).not.toContain('*');
    expect(rule.AllowedMethods.sort()).toEqual(['DELETE', 'GET', 'HEAD', 'POST', 'PUT']);
    expect(rule.ExposeHeaders).toContain('ETag');
    expect(rule.MaxAgeSeconds).toBeGreaterThan(0);
    const lifecycle = readPolicyFile<{ Rules: { Status: string; AbortIncompleteMultipartUpload: { DaysAfterInitiation: number } }[] }>(CONFIG_FILES[1]);
    expect(lifecycle.Rules[0]).toMatchObject({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });
  });
});

describe('template.yaml: outputs give config.json', () => {
  const variants: Scenario[] = [
    { ...PLACEHOLDER_SCENARIO, signIn: 'CognitoUserPool' },
    { ...PLACEHOLDER_SCENARIO, signIn: 'ExternalOidc', allowGuests: false },
    { ...PLACEHOLDER_SCENARIO, signIn: 'None' },
  ];
  it.each(variants.map((s) => [s.signIn, s] as const))('ConfigJson with SignIn=%s is accepted by parseConfig and agrees with the single outputs', (_n, s) => {
    const ev = new Evaluator(template, environment(s));
    const out = (name: string) => {
      const o = template.Outputs[name]!;
      return o.Condition && !ev.condition(o.Condition) ? undefined : (ev.value(o.Value) as string);
    };
    const config = parseConfig(JSON.parse(out('ConfigJson')!));
    expect(config).toMatchObject({
      mode: 'aws', region: out('Region'), bucket: out('DataBucketName'), identityPoolId: out('IdentityPoolId'),
      allowGuests: out('AllowGuests') === 'true', prefixes: { signedIn: out('SignedInPrefix'), guest: out('GuestPrefix') },
    });
    expect(config.bucket).toBe(s.bucket);
    expect(config.identityPoolId).toBe(s.pool);
    if (s.signIn === 'None') {
      expect(config.oidc).toBeUndefined();
      expect(out('OidcAuthority')).toBeUndefined();
    } else {
      expect(config.oidc).toEqual({
        authority: out('OidcAuthority'), clientId: out('OidcClientId'), redirectUri: out('OidcRedirectUri'),
        scopes: out('OidcScopes')!.split(','), loginsProvider: out('OidcLoginsProvider'),
      });
      expect(config.oidc!.redirectUri).toBe(`https://${s.appDomain}/`);
    }
    if (s.signIn === 'CognitoUserPool') {
      expect(config.oidc!.authority).toBe(`https://cognito-idp.${s.region}.amazonaws.com/${USER_POOL_ID(s.region)}`);
      expect(config.oidc!.loginsProvider).toBe(`cognito-idp.${s.region}.amazonaws.com/${USER_POOL_ID(s.region)}`);
    }
    if (s.signIn === 'ExternalOidc') expect(config.oidc!.loginsProvider).toBe('login.acme.com/realms/staff');
  });

  it('the prefixes in config.json are the ones the IAM policies confine', () => {
    const ev = new Evaluator(template, environment(PLACEHOLDER_SCENARIO));
    const signedIn = ev.value(template.Outputs.SignedInPrefix!.Value) as string;
    const guest = ev.value(template.Outputs.GuestPrefix!.Value) as string;
    const policyPrefix = (file: string) => JSON.stringify(readPolicyFile(file)).match(/:::example-bucket\/([a-z]+\/)\$\{cognito-identity\.amazonaws\.com:sub\}\//)?.[1];
    expect(signedIn).toBe(`${policyPrefix('identity-policy-authenticated.json')}{identityId}/`);
    expect(guest).toBe(`${policyPrefix('identity-policy-guest.json')}{identityId}/`);
  });
});

describe('template.yaml: bucket, identity pool and hosting settings', () => {
  const ev = (s: Scenario = PLACEHOLDER_SCENARIO) => new Evaluator(template, environment(s));
  const props = (name: string, s?: Scenario) => ev(s).value(resource(template, name).Properties) as Record<string, Json>;

  it('both buckets block public access and encrypt; the data bucket survives stack deletion', () => {
    for (const b of ['DataBucket', 'SiteBucket']) {
      const p = props(b);
      expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
      expect(p.OwnershipControls.Rules[0].ObjectOwnership).toBe('BucketOwnerEnforced');
    }
    expect(resource(template, 'DataBucket')).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('the identity pool uses the enhanced flow only and follows AllowGuests', () => {
    expect(props('IdentityPool')).toMatchObject({ AllowClassicFlow: false, AllowUnauthenticatedIdentities: true });
    const noGuests = { ...PLACEHOLDER_SCENARIO, allowGuests: false };
    expect(props('IdentityPool', noGuests).AllowUnauthenticatedIdentities).toBe(false);
    expect(Object.keys(props('IdentityPoolRoles', noGuests).Roles)).toEqual(['authenticated']);
    expect(ev(noGuests).condition(resource(template, 'GuestRole').Condition!)).toBe(false);
  });

  it('the user pool client is a public code + PKCE client returning to the app', () => {
    const c = props('UserPoolClient');
    expect(c).toMatchObject({ GenerateSecret: false, AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true, CallbackURLs: ['https://app.example.com/'] });
    expect(c.AllowedOAuthScopes).toContain('openid');
  });

  it('CloudFront reads the private site bucket through OAC and falls back to index.html', () => {
    const d = props('Distribution').DistributionConfig;
    expect(d.Origins[0]).toMatchObject({ OriginAccessControlId: 'E1OACEXAMPLE', S3OriginConfig: { OriginAccessIdentity: '' } });
    for (const b of [d.DefaultCacheBehavior, ...d.CacheBehaviors]) {
      expect(b.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(b.ResponseHeadersPolicyId).toBe('0a1b2c3d-rhp');
    }
    expect(d.CustomErrorResponses.map((e: Json) => [e.ErrorCode, e.ResponseCode, e.ResponsePagePath])).toEqual([[403, 200, '/index.html'], [404, 200, '/index.html']]);
    const statement = props('SiteBucketPolicy').PolicyDocument.Statement[0];
    expect(statement).toMatchObject({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(statement.Condition.StringEquals['AWS:SourceArn']).toBe('arn:aws:cloudfront::111122223333:distribution/E2DISTEXAMPLE');
    expect(props('SiteOriginAccessControl').OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
  });

  it.each(['CognitoUserPool', 'ExternalOidc', 'None'] as const)('the CSP with SignIn=%s is strict and lets the app reach only what it needs', (signIn) => {
    const h = props('SiteHeaders', { ...PLACEHOLDER_SCENARIO, signIn }).ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp: string = h.ContentSecurityPolicy.ContentSecurityPolicy;
    expect(csp.length).toBeLessThanOrEqual(1783); // CloudFront's limit for the header value
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => { const [k, ...v] = d.split(/\s+/); return [k!, v]; }));
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    // Previews: only the bucket's origin, never the app's, may supply images, media and PDFs.
    const bucketOrigin = 'https://example-bucket.s3.us-east-1.amazonaws.com';
    expect(directives['object-src']).toEqual([bucketOrigin]);
    expect(directives['media-src']).toEqual([bucketOrigin]);
    expect(directives['img-src']).toEqual(["'self'", 'data:', 'blob:', bucketOrigin]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    const connect = directives['connect-src']!;
    expect(connect).toContain('https://example-bucket.s3.us-east-1.amazonaws.com');
    expect(connect).toContain('https://cognito-identity.us-east-1.amazonaws.com');
    if (signIn === 'CognitoUserPool') expect(connect).toContain('https://acme-files.auth.us-east-1.amazoncognito.com');
    if (signIn === 'ExternalOidc') expect(connect).toContain('https://login.acme.com');
    if (signIn === 'None') expect(connect).toHaveLength(3);
    expect(h.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31536000);
    expect(h.ContentTypeOptions).toEqual({ Override: true });
  });
});

// npm run policies -- --bucket acme-files --account 123456789012 --pool eu-west-1:<uuid> --origin https://files.acme.com \
//   --authenticated-role-arn arn:aws:iam::123456789012:role/<signed-in role>
//
// Renders infra-policies/*.json with real values, for deployments that do not use template.yaml.
// The files there are written with placeholder values so that they can be tested as they are;
// this replaces exactly those placeholders and refuses to write anything that still holds one.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const PLACEHOLDERS = {
  bucket: 'example-bucket',
  account: '111122223333',
  region: 'us-east-1',
  identityPoolId: 'us-east-1:11111111-2222-3333-4444-555555555555',
  appOrigin: 'https://app.example.com',
  widgetOrigin: 'https://widget-host.example.com',
  breakGlassPrincipalArn: 'arn:aws:iam::111122223333:user/break-glass-admin',
  // The bucket policy's allow-list: only these roles reach users/, uploads/ and listings.
  authenticatedRoleArn: 'arn:aws:iam::111122223333:role/sessionbox-authenticated',
  guestRoleArn: 'arn:aws:iam::111122223333:role/sessionbox-guest',
  webIdentityRoleArn: 'arn:aws:iam::111122223333:role/sessionbox-web-identity',
  adminRoleArn: 'arn:aws:iam::111122223333:role/sessionbox-admin',
  partition: 'aws',
} as const;

export const RENDERED_FILES = [
  'identity-policy-authenticated.json',
  'identity-policy-guest.json',
  'trust-policy-authenticated.json',
  'trust-policy-guest.json',
  'bucket-policy.json',
  'iam-user-policy-session-only.json',
  'cors.json',
  'lifecycle.json',
] as const;

export const POLICY_SOURCE_DIR = fileURLToPath(new URL('../infra-policies/', import.meta.url));
export const DEFAULT_OUT = join(POLICY_SOURCE_DIR, 'rendered');

export interface RenderValues {
  bucket: string;
  account: string;
  identityPoolId: string;
  appOrigin: string;
  widgetOrigins: string[];
  /** IAM user / root ARN whose access keys may still configure the bucket; undefined drops the exemption. */
  breakGlassPrincipalArn?: string | undefined;
  /** The identity pool's authenticated role: on the bucket policy's allow-list. */
  authenticatedRoleArn: string;
  /** The identity pool's guest role; undefined leaves guests off the allow-list (no guests). */
  guestRoleArn?: string | undefined;
  /** A role the app gets web-identity sessions for (STS AssumeRoleWithWebIdentity); undefined: none. */
  webIdentityRoleArn?: string | undefined;
  /** A role for people that reaches every file, only in sessions with MFA; undefined: none. */
  adminRoleArn?: string | undefined;
  partition: 'aws' | 'aws-cn' | 'aws-us-gov';
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

// No dots: a dotted bucket name breaks the TLS certificate of virtual-hosted S3 URLs in browsers.
const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const ACCOUNT = /^\d{12}$/;
const POOL = /^([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PRINCIPAL = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)$/;
const ROLE = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/[\w+=,.@/-]+$/;
const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;

export const USAGE = `Usage: npm run policies -- --bucket NAME --account ID --pool REGION:UUID --origin URL --authenticated-role-arn ARN [options]

  --bucket NAME            the data bucket, e.g. acme-files
  --account ID             12-digit AWS account id that owns the bucket and roles
  --pool REGION:UUID       Cognito identity pool id, e.g. eu-west-1:0f1e2d3c-...
  --origin URL             where the app is served, e.g. https://files.acme.com
  --authenticated-role-arn ARN
                           the identity pool's authenticated role (aws iam get-role --query Role.Arn)
  --guest-role-arn ARN     the identity pool's guest role; leave it out when there are no guests
  --web-identity-role-arn ARN
                           a role the app assumes with web identity, if any
  --admin-role-arn ARN     a role for people that reaches every file, only with MFA
  --widget-origin URL      a page origin that embeds the widget (repeatable, or comma-separated)
  --break-glass-arn ARN    IAM user (or root) whose access keys may still configure the bucket
  --partition NAME         aws (default), aws-cn or aws-us-gov
  --out DIR                output directory (default infra-policies/rendered)
`;

function origin(flag: string, raw: string, problems: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${flag} "${raw}" is not a URL. Give the scheme and host, e.g. ${flag} https://files.example.com`);
    return undefined;
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    problems.push(`${flag} "${raw}" must use https:// (http:// only for localhost): S3 and the CSP refuse mixed content.`);
    return undefined;
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    problems.push(`${flag} "${raw}" is a URL with a path; CORS matches origins only. Use ${url.origin}`);
    return undefined;
  }
  return url.origin;
}

/** Parses and validates the command line; throws UsageError listing every problem. */
export function parseRenderArgs(argv: string[]): { values: RenderValues; out: string; help: boolean } {
  const STRING_FLAGS = [
    'bucket', 'account', 'pool', 'origin', 'authenticated-role-arn', 'guest-role-arn', 'web-identity-role-arn', 'admin-role-arn',
    'widget-origin', 'break-glass-arn', 'partition', 'out',
  ] as const;
  // Not strict: every unknown or malformed flag is reported together with the other problems.
  const { values: raw, tokens } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: {
      ...Object.fromEntries(STRING_FLAGS.map((f) => [f, { type: 'string' as const, multiple: true }])),
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (raw.help === true) return { values: undefined as unknown as RenderValues, out: DEFAULT_OUT, help: true };
  const problems: string[] = [];
  // A value right after an unknown flag belongs to it: report the flag, not the value.
  tokens.forEach((t, i) => {
    if (t.kind !== 'positional') return;
    const prev = tokens[i - 1];
    const afterUnknown = prev?.kind === 'option' && prev.value === undefined && !(STRING_FLAGS as readonly string[]).includes(prev.name) && prev.name !== 'help';
    if (!afterUnknown) problems.push(`unexpected argument "${t.value}": every value follows its flag, e.g. --bucket acme-files.`);
  });
  const v: Record<string, string | undefined> & { 'widget-origin'?: string[] } = {};
  const valueless = new Set<string>();
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'help') continue;
    if (!(STRING_FLAGS as readonly string[]).includes(key)) {
      problems.push(`unknown flag --${key}. Known flags: ${STRING_FLAGS.map((f) => `--${f}`).join(', ')}.`);
      continue;
    }
    const list = (value as unknown as (string | boolean)[]).filter((x): x is string => typeof x === 'string' && !x.startsWith('--'));
    if (list.length < (value as unknown as unknown[]).length) {
      problems.push(`--${key} needs a value right after it, e.g. --${key} VALUE.`);
      valueless.add(key);
    }
    if (key === 'widget-origin') v['widget-origin'] = list;
    else {
      if (list.length > 1) problems.push(`--${key} is given ${list.length} times; give it once.`);
      v[key] = list[0];
    }
  }
  const required = (flag: string, value: string | undefined, example: string): string | undefined => {
    if (value === undefined || value.trim() === '') {
      if (!valueless.has(flag)) problems.push(`--${flag} is missing. Add it, e.g. --${flag} ${example}`);
      return undefined;
    }
    return value.trim();
  };

  const bucket = required('bucket', v.bucket, 'acme-files');
  if (bucket !== undefined && !BUCKET.test(bucket)) {
    problems.push(`--bucket "${bucket}" is not usable: give the bare bucket name (not an ARN or URL) of 3-63 lowercase letters, digits and hyphens; no dots, which break the bucket's TLS certificate in browsers.`);
  }
  const account = required('account', v.account, '123456789012');
  if (account !== undefined && !ACCOUNT.test(account)) problems.push(`--account "${account}" must be the 12-digit account id (aws sts get-caller-identity --query Account).`);
  const pool = required('pool', v.pool, 'eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110');
  if (pool !== undefined && !POOL.test(pool)) {
    problems.push(`--pool "${pool}" is not an identity pool id: it is the region, a colon and a UUID, e.g. eu-west-1:0f1e2d3c-4b5a-4968-8776-655443322110 (aws cognito-identity list-identity-pools --max-results 20).`);
  }
  const rawOrigin = required('origin', v.origin, 'https://files.example.com');
  const appOrigin = rawOrigin === undefined ? undefined : origin('--origin', rawOrigin, problems);
  const widgetOrigins: string[] = [];
  for (const raw of (v['widget-origin'] ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const o = origin('--widget-origin', raw, problems);
    if (o && o !== appOrigin && !widgetOrigins.includes(o)) widgetOrigins.push(o);
  }
  const partition = (v.partition ?? 'aws') as RenderValues['partition'];
  if (!PARTITIONS.includes(partition)) problems.push(`--partition "${v.partition}" must be one of ${PARTITIONS.join(', ')}.`);
  let breakGlassPrincipalArn: string | undefined;
  if (v['break-glass-arn'] !== undefined) {
    const arn = v['break-glass-arn'].trim();
    const m = PRINCIPAL.exec(arn);
    if (!m) problems.push(`--break-glass-arn "${arn}" must be an IAM user, role or root ARN, e.g. arn:aws:iam::123456789012:user/ops-break-glass.`);
    else if (account !== undefined && ACCOUNT.test(account) && m[2] !== account) problems.push(`--break-glass-arn "${arn}" is in account ${m[2]}, not --account ${account}; the exemption only matters for principals of the bucket's account.`);
    else if (m[1] !== partition) problems.push(`--break-glass-arn "${arn}" is in partition ${m[1]}, not --partition ${partition}.`);
    else breakGlassPrincipalArn = arn;
  }
  const role = (flag: string, raw: string | undefined): string | undefined => {
    if (raw === undefined) return undefined;
    const arn = raw.trim();
    const m = ROLE.exec(arn);
    if (!m) problems.push(`--${flag} "${arn}" must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/sessionbox-authenticated (aws iam get-role --role-name NAME --query Role.Arn).`);
    else if (account !== undefined && ACCOUNT.test(account) && m[2] !== account) problems.push(`--${flag} "${arn}" is in account ${m[2]}, not --account ${account}; the allow-list names roles of the bucket's account.`);
    // An unknown --partition is reported once, above, not again for every ARN.
    else if (m[1] !== partition && PARTITIONS.includes(partition)) problems.push(`--${flag} "${arn}" is in partition ${m[1]}, not --partition ${partition}.`);
    else return arn;
    return undefined;
  };
  const authenticatedRoleArn = role('authenticated-role-arn', required('authenticated-role-arn', v['authenticated-role-arn'], 'arn:aws:iam::123456789012:role/sessionbox-authenticated'));
  const guestRoleArn = role('guest-role-arn', v['guest-role-arn']);
  const webIdentityRoleArn = role('web-identity-role-arn', v['web-identity-role-arn']);
  const adminRoleArn = role('admin-role-arn', v['admin-role-arn']);
  // One role in two places would, for example, make signed-in people need MFA (admin) or give guests
  // the signed-in role's trust: each flag names a role of its own.
  const roles = Object.entries({ 'authenticated-role-arn': authenticatedRoleArn, 'guest-role-arn': guestRoleArn, 'web-identity-role-arn': webIdentityRoleArn, 'admin-role-arn': adminRoleArn })
    .filter((e): e is [string, string] => e[1] !== undefined);
  for (const [i, [flag, arn]] of roles.entries()) {
    const earlier = roles.slice(0, i).find(([, a]) => a === arn);
    if (earlier) problems.push(`--${flag} names the same role as --${earlier[0]}; give each its own role.`);
  }
  if (problems.length) throw new UsageError(problems);
  return {
    values: {
      bucket: bucket!, account: account!, identityPoolId: pool!, appOrigin: appOrigin!, widgetOrigins, breakGlassPrincipalArn, partition,
      authenticatedRoleArn: authenticatedRoleArn!, guestRoleArn, webIdentityRoleArn, adminRoleArn,
    },
    out: resolve(v.out ?? DEFAULT_OUT),
    help: false,
  };
}

function mapStrings<T>(value: T, fn: (s: string) => string): T {
  if (typeof value === 'string') return fn(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)])) as T;
  return value;
}

type Json = Record<string, unknown>;

/** Renders one file's parsed JSON. Pure: the caller reads and writes. */
export function renderDocument(file: string, doc: unknown, values: RenderValues): unknown {
  const P = PLACEHOLDERS;
  let out = structuredClone(doc) as Json;
  // Placeholder principal ARNs and what replaces them; undefined: the caller has no such principal.
  const principals = new Map<string, string | undefined>([
    [P.breakGlassPrincipalArn, values.breakGlassPrincipalArn],
    [P.authenticatedRoleArn, values.authenticatedRoleArn],
    [P.guestRoleArn, values.guestRoleArn],
    [P.webIdentityRoleArn, values.webIdentityRoleArn],
    [P.adminRoleArn, values.adminRoleArn],
  ]);
  if (file === 'bucket-policy.json') {
    const absent = (arn: unknown) => typeof arn === 'string' && principals.has(arn) && principals.get(arn) === undefined;
    out.Statement = (out.Statement as Json[]).filter((s) => {
      const cond = s.Condition as Record<string, Record<string, string | string[]>> | undefined;
      // ArnNotLike lists who is exempt from a Deny: an absent principal leaves the list, and an empty
      // list leaves the Deny applying to everyone (fails closed).
      const exempt = cond?.ArnNotLike?.['aws:PrincipalArn'];
      if (exempt !== undefined) {
        const kept = [exempt].flat().filter((a) => !absent(a));
        if (kept.length === 0) delete cond!.ArnNotLike;
        else cond!.ArnNotLike!['aws:PrincipalArn'] = Array.isArray(exempt) ? kept : kept[0]!;
      }
      // ArnLike aims a Deny at one principal: without it the statement would hit everyone, so it goes.
      const aimed = cond?.ArnLike?.['aws:PrincipalArn'];
      return !(aimed !== undefined && [aimed].flat().every(absent));
    });
  }
  out = mapStrings(out, (s) => {
    // Whole values first, so that nothing inside a value the caller gave is rewritten.
    if (principals.has(s)) return principals.get(s) ?? s;
    if (s === P.appOrigin) return values.appOrigin;
    return s
      .replaceAll(P.identityPoolId, values.identityPoolId)
      .replaceAll(`arn:${P.partition}:`, `arn:${values.partition}:`)
      .replaceAll(P.bucket, values.bucket)
      .replaceAll(P.account, values.account);
  });
  if (file === 'cors.json') {
    for (const rule of out.CORSRules as Json[]) rule.AllowedOrigins = [values.appOrigin, ...values.widgetOrigins];
  }
  const text = JSON.stringify(out);
  const left = [P.bucket, P.identityPoolId, P.appOrigin, P.widgetOrigin, ...principals.keys(), P.account].filter((p) => text.includes(p));
  // A real value may legitimately equal a placeholder (the account in the docs' example, say); only
  // complain about what the caller did not ask for.
  const asked = new Set<string>([values.bucket, values.account, values.identityPoolId, values.appOrigin, ...values.widgetOrigins, ...[...principals.values()].map((v) => v ?? '')]);
  const stale = left.filter((p) => ![...asked].some((a) => a.includes(p)));
  if (stale.length) throw new Error(`${file}: placeholder ${stale.join(', ')} survived rendering; the renderer does not know a new placeholder in this file.`);
  return out;
}

export function renderAll(values: RenderValues, sourceDir = POLICY_SOURCE_DIR): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of RENDERED_FILES) out[f] = renderDocument(f, JSON.parse(readFileSync(join(sourceDir, f), 'utf8')), values);
  return out;
}

export function main(argv: string[], log: (s: string) => void = console.log, err: (s: string) => void = console.error): number {
  let args;
  try {
    args = parseRenderArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    for (const p of e.problems) err(`error: ${p}`);
    err('');
    err(USAGE);
    return 2;
  }
  if (args.help) {
    log(USAGE);
    return 0;
  }
  const rendered = renderAll(args.values);
  mkdirSync(args.out, { recursive: true });
  for (const [f, doc] of Object.entries(rendered)) writeFileSync(join(args.out, f), JSON.stringify(doc, null, 2) + '\n');
  const dir = relative(process.cwd(), args.out) || '.';
  const b = args.values.bucket;
  log(`Rendered ${Object.keys(rendered).length} files into ${dir}/ for bucket ${b}, account ${args.values.account}, pool ${args.values.identityPoolId}.`);
  const v = args.values;
  if (v.breakGlassPrincipalArn?.includes(':role/')) {
    log(`note: ${v.breakGlassPrincipalArn} is a role; its sessions always carry aws:TokenIssueTime, so the exemption changes nothing for it.`);
  }
  if (v.guestRoleArn === undefined) log('note: no --guest-role-arn, so the bucket policy refuses guests (and the widget) under uploads/.');
  if (v.adminRoleArn !== undefined) log(`note: ${v.adminRoleArn} reaches the bucket only in sessions with MFA (aws sts assume-role --serial-number … --token-code …).`);
  // The role name is the ARN's last segment (a role path sits between "role/" and the name).
  const roleName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
  const auth = roleName(v.authenticatedRoleArn);
  log(`
Apply them (see infra-policies/README.md):
  aws s3api put-bucket-policy --bucket ${b} --policy file://${dir}/bucket-policy.json
  aws s3api put-bucket-cors --bucket ${b} --cors-configuration file://${dir}/cors.json
  aws s3api put-bucket-lifecycle-configuration --bucket ${b} --lifecycle-configuration file://${dir}/lifecycle.json
  aws iam update-assume-role-policy --role-name ${auth} --policy-document file://${dir}/trust-policy-authenticated.json
  aws iam put-role-policy --role-name ${auth} --policy-name sessionbox --policy-document file://${dir}/identity-policy-authenticated.json`);
  if (v.guestRoleArn !== undefined) {
    const guest = roleName(v.guestRoleArn);
    log(`  aws iam update-assume-role-policy --role-name ${guest} --policy-document file://${dir}/trust-policy-guest.json
  aws iam put-role-policy --role-name ${guest} --policy-name sessionbox --policy-document file://${dir}/identity-policy-guest.json`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}

// Just enough CloudFormation to prove that template.yaml embeds exactly the tested JSON files:
// a YAML parser that knows the short tags (!Sub, !If, ...) and an evaluator of the intrinsic
// functions the template uses, given parameter values and stand-ins for resource attributes.

import { parse, type Tags } from 'yaml';

const FUNCTIONS = [
  'Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform',
  'And', 'Equals', 'If', 'Not', 'Or', 'Contains', 'EachMemberEquals', 'EachMemberIn', 'RefAll', 'ValueOf', 'ValueOfAll',
] as const;

function cfnTags(): Tags {
  const tags: Tags = [];
  const add = (tag: string, wrap: (v: unknown) => unknown) => {
    tags.push({ tag, resolve: (v: string) => wrap(v) });
    tags.push({ tag, collection: 'seq', resolve: (v) => wrap(v.toJSON()) });
    tags.push({ tag, collection: 'map', resolve: (v) => wrap(v.toJSON()) });
  };
  add('!Ref', (v) => ({ Ref: v }));
  add('!Condition', (v) => ({ Condition: v }));
  add('!GetAtt', (v) => ({ 'Fn::GetAtt': typeof v === 'string' ? splitGetAtt(v) : v }));
  for (const f of FUNCTIONS) add(`!${f}`, (v) => ({ [`Fn::${f}`]: v }));
  return tags;
}

function splitGetAtt(v: string): [string, string] {
  const dot = v.indexOf('.');
  if (dot < 0) throw new Error(`!GetAtt ${v}: expected Resource.Attribute`);
  return [v.slice(0, dot), v.slice(dot + 1)];
}

export interface Template {
  AWSTemplateFormatVersion?: string;
  Parameters: Record<string, { Type: string; Default?: unknown; AllowedValues?: unknown[]; AllowedPattern?: string }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown>; DependsOn?: string | string[] }>;
  Outputs: Record<string, { Value: unknown; Condition?: string }>;
  Rules?: Record<string, unknown>;
}

/**
 * YAML 1.1 reads `Null`, `yes`, `off` or `2012-10-17` as other types than 1.2 does. The template
 * quotes such scalars; the tests parse it both ways and require the same result.
 */
export function parseTemplate(text: string, version: '1.1' | '1.2' = '1.2'): Template {
  return parse(text, {
    customTags: cfnTags(),
    version,
    schema: version === '1.1' ? 'yaml-1.1' : 'core',
    uniqueKeys: true,
    maxAliasCount: 0,
  }) as Template;
}

/** Stand-ins for what only CloudFormation knows: pseudo parameters, Ref and GetAtt of resources. */
export interface Environment {
  parameters: Record<string, string | string[]>;
  pseudo: Record<string, string>;
  refs: Record<string, string>;
  attributes: Record<string, string>;
}

export const NO_VALUE = Symbol('AWS::NoValue');

export class Evaluator {
  private readonly conditionCache = new Map<string, boolean>();

  constructor(
    private readonly template: Template,
    private readonly env: Environment,
  ) {}

  condition(name: string): boolean {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const expr = this.template.Conditions[name];
    if (expr === undefined) throw new Error(`unknown condition ${name}`);
    const value = this.bool(expr);
    this.conditionCache.set(name, value);
    return value;
  }

  private bool(expr: unknown): boolean {
    const [fn, arg] = single(expr);
    switch (fn) {
      case 'Condition':
        return this.condition(arg as string);
      case 'Fn::Equals': {
        const [a, b] = arg as [unknown, unknown];
        return JSON.stringify(this.value(a)) === JSON.stringify(this.value(b));
      }
      case 'Fn::Not':
        return !this.bool((arg as unknown[])[0]);
      case 'Fn::And':
        return (arg as unknown[]).every((c) => this.bool(c));
      case 'Fn::Or':
        return (arg as unknown[]).some((c) => this.bool(c));
      default:
        throw new Error(`${fn} is not a condition function`);
    }
  }

  /** Evaluates a template fragment; AWS::NoValue removes the key or list item that holds it. */
  value(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((n) => this.value(n)).filter((v) => v !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const keys = Object.keys(node);
    const first = keys[0];
    if (keys.length === 1 && first !== undefined && (first === 'Ref' || first.startsWith('Fn::'))) {
      return this.call(first, (node as Record<string, unknown>)[first]);
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const v = this.value((node as Record<string, unknown>)[k]);
      if (v !== NO_VALUE) out[k] = v;
    }
    return out;
  }

  private call(fn: string, arg: unknown): unknown {
    switch (fn) {
      case 'Ref':
        return this.ref(arg as string);
      case 'Fn::GetAtt': {
        const [res, att] = arg as [string, string];
        return this.attribute(res, att);
      }
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
        const local: Record<string, string> = {};
        for (const [k, v] of Object.entries(vars)) local[k] = this.str(this.value(v), `!Sub variable ${k}`);
        return text.replace(/\$\{(!?)([^}]+)\}/g, (_m, bang: string, name: string) => {
          if (bang) return '${' + name + '}';
          if (name in local) return local[name]!;
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::')) return this.attribute(name.slice(0, dot), name.slice(dot + 1));
          return this.str(this.ref(name), `\${${name}}`);
        });
      }
      case 'Fn::If': {
        const [cond, a, b] = arg as [string, unknown, unknown];
        return this.value(this.condition(cond) ? a : b);
      }
      case 'Fn::Join': {
        const [sep, list] = arg as [string, unknown];
        const items = this.value(list);
        if (!Array.isArray(items)) throw new Error('!Join needs a list');
        return items.map((i) => this.str(i, '!Join item')).join(sep);
      }
      case 'Fn::Split': {
        const [sep, s] = arg as [string, unknown];
        return this.str(this.value(s), '!Split source').split(sep);
      }
      case 'Fn::Select': {
        const [i, list] = arg as [number | string, unknown];
        const items = this.value(list) as unknown[];
        const item = items[Number(i)];
        if (item === undefined) throw new Error(`!Select ${i} out of range`);
        return item;
      }
      default:
        throw new Error(`intrinsic ${fn} is not supported by the test evaluator`);
    }
  }

  private ref(name: string): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in this.env.pseudo) return this.env.pseudo[name];
    if (name in this.template.Parameters) {
      const p = this.env.parameters[name] ?? this.template.Parameters[name]!.Default;
      if (p === undefined) throw new Error(`parameter ${name} has no value`);
      if (this.template.Parameters[name]!.Type === 'CommaDelimitedList' && typeof p === 'string') {
        return p.split(',').map((s) => s.trim());
      }
      return p;
    }
    const resource = this.template.Resources[name];
    if (resource) {
      if (resource.Condition && !this.condition(resource.Condition)) throw new Error(`Ref ${name}: resource is not created (condition ${resource.Condition} is false)`);
      const r = this.env.refs[name];
      if (r === undefined) throw new Error(`no stand-in for Ref ${name}`);
      return r;
    }
    throw new Error(`Ref to unknown ${name}`);
  }

  private attribute(resource: string, att: string): string {
    const res = this.template.Resources[resource];
    if (!res) throw new Error(`GetAtt of unknown resource ${resource}`);
    if (res.Condition && !this.condition(res.Condition)) throw new Error(`GetAtt ${resource}.${att}: resource is not created (condition ${res.Condition} is false)`);
    const v = this.env.attributes[`${resource}.${att}`];
    if (v === undefined) throw new Error(`no stand-in for ${resource}.${att}`);
    return v;
  }

  private str(v: unknown, what: string): string {
    if (typeof v !== 'string') throw new Error(`${what} is not a string: ${JSON.stringify(v)}`);
    return v;
  }
}

function single(expr: unknown): [string, unknown] {
  if (expr === null || typeof expr !== 'object' || Array.isArray(expr)) throw new Error(`not a function: ${JSON.stringify(expr)}`);
  const keys = Object.keys(expr);
  if (keys.length !== 1) throw new Error(`not a function: ${JSON.stringify(expr)}`);
  return [keys[0]!, (expr as Record<string, unknown>)[keys[0]!]];
}

/**
 * Every name a fragment refers to (Ref, GetAtt, ${} in Sub, Condition), for checking that each one
 * exists and for finding dependency cycles.
 */
export function references(node: unknown, into: { refs: Set<string>; conditions: Set<string> } = { refs: new Set(), conditions: new Set() }) {
  if (Array.isArray(node)) {
    for (const n of node) references(n, into);
    return into;
  }
  if (node === null || typeof node !== 'object') return into;
  for (const [k, v] of Object.entries(node)) {
    if (k === 'Ref' && typeof v === 'string') into.refs.add(v);
    else if (k === 'Condition' && typeof v === 'string') into.conditions.add(v);
    else if (k === 'Fn::GetAtt' && Array.isArray(v)) into.refs.add(String(v[0]));
    else if (k === 'Fn::If' && Array.isArray(v)) {
      into.conditions.add(String(v[0]));
      references(v.slice(1), into);
    } else if (k === 'Fn::Sub') {
      const [text, vars] = typeof v === 'string' ? [v, {}] : (v as [string, Record<string, unknown>]);
      for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const name = m[1]!;
        if (name in vars) continue;
        into.refs.add(name.includes('.') && !name.startsWith('AWS::') ? name.slice(0, name.indexOf('.')) : name);
      }
      references(vars, into);
    } else references(v, into);
  }
  return into;
}

// Fault injection: tests make chosen requests fail, stall, vanish or find their credentials expired.

export type Fault =
  | { status: number; code?: string; message?: string }
  | { delayMs: number }
  | { drop: true }
  | { hang: true }
  /** Waits until `release(name)` (or the client aborts), then is answered as usual: lets a test order events without sleeping. */
  | { hold: string }
  | { expireCredentials: true };

export interface FaultRule {
  match: { service?: 's3' | 'cognito'; operation?: string; key?: string | RegExp; partNumber?: number };
  /** Let the first N matching requests through. */
  after?: number;
  /** Affect this many matching requests (default 1; Infinity allowed). */
  times?: number;
  fault: Fault;
}

export interface FaultTarget {
  service: 's3' | 'cognito';
  operation: string;
  key?: string;
  partNumber?: number;
}

interface ActiveRule {
  rule: FaultRule;
  seen: number;
  used: number;
}

export class Faults {
  private rules: ActiveRule[] = [];
  private readonly hung = new Set<() => void>();
  private readonly holding = new Map<string, Set<() => void>>();

  /** Adds a rule; the returned function removes it. */
  add(rule: FaultRule): () => void {
    const active: ActiveRule = { rule, seen: 0, used: 0 };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((r) => r !== active);
    };
  }

  /** Removes every rule, lets hung requests fail (as network errors) and held ones go on, so nothing stays pending. */
  clear(): void {
    this.rules = [];
    for (const release of this.hung) release();
    this.hung.clear();
    for (const name of [...this.holding.keys()]) this.release(name);
  }

  /** How many requests a `hold` fault of this name is holding now. */
  held(name: string): number {
    return this.holding.get(name)?.size ?? 0;
  }

  /** Lets every request held under this name go on. */
  release(name: string): void {
    const held = this.holding.get(name);
    this.holding.delete(name);
    for (const go of held ?? []) go();
  }

  /** Resolves when release(name) is called or the request is aborted. */
  hold(name: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const held = this.holding.get(name) ?? new Set<() => void>();
      this.holding.set(name, held);
      const go = () => {
        held.delete(go);
        resolve();
      };
      held.add(go);
      if (signal?.aborted) go();
      signal?.addEventListener('abort', go, { once: true });
    });
  }

  /** The fault for this request, if a rule applies; counts it against that rule. */
  take(target: FaultTarget): Fault | undefined {
    for (const active of this.rules) {
      if (!matches(active.rule.match, target)) continue;
      active.seen++;
      if (active.seen <= (active.rule.after ?? 0)) continue;
      if (active.used >= (active.rule.times ?? 1)) continue;
      active.used++;
      return active.rule.fault;
    }
    return undefined;
  }

  /** Resolves when the request is aborted or the faults are cleared. */
  hang(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        this.hung.delete(release);
        resolve();
      };
      this.hung.add(release);
      if (signal?.aborted) release();
      signal?.addEventListener('abort', release, { once: true });
    });
  }
}

function matches(m: FaultRule['match'], t: FaultTarget): boolean {
  if (m.service !== undefined && m.service !== t.service) return false;
  if (m.operation !== undefined && m.operation !== t.operation) return false;
  if (m.partNumber !== undefined && m.partNumber !== t.partNumber) return false;
  if (m.key !== undefined) {
    if (t.key === undefined) return false;
    if (typeof m.key === 'string' ? m.key !== t.key : !m.key.test(t.key)) return false;
  }
  return true;
}

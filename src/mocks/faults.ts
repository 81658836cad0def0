// Fault injection: tests make chosen requests fail, stall, vanish or find their credentials expired.

export type Fault =
  | { status: number; code?: string; message?: string }
  | { delayMs: number }
  | { drop: true }
  | { hang: true }
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

  /** Adds a rule; the returned function removes it. */
  add(rule: FaultRule): () => void {
    const active: ActiveRule = { rule, seen: 0, used: 0 };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((r) => r !== active);
    };
  }

  /** Removes every rule and lets hung requests fail (as network errors) so nothing stays pending. */
  clear(): void {
    this.rules = [];
    for (const release of this.hung) release();
    this.hung.clear();
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

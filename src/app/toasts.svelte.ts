export interface Toast {
  id: number;
  kind: 'info' | 'error';
  message: string;
}

/** Short-lived notices. Errors stay until dismissed so there is time to read the fix they name. */
export class Toasts {
  items = $state<Toast[]>([]);
  #nextId = 1;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- timer handles, never rendered
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  info(message: string, ms = 5000): void {
    const id = this.#push('info', message);
    this.#timers.set(id, setTimeout(() => this.dismiss(id), ms));
  }

  error(message: string): void {
    this.#push('error', message);
  }

  dismiss(id: number): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    this.items = this.items.filter((t) => t.id !== id);
  }

  #push(kind: Toast['kind'], message: string): number {
    // The same message twice in a row (e.g. a retried failure) would only add noise.
    const last = this.items.at(-1);
    if (last && last.kind === kind && last.message === message) this.dismiss(last.id);
    const id = this.#nextId++;
    this.items = [...this.items.slice(-3), { id, kind, message }];
    return id;
  }
}

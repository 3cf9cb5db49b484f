// A tiny typed hook list: modules subscribe to session life-cycle events without global emitters.
export class Hook<A extends unknown[]> {
  // A subscriber may return a promise (work it started); `runAll` waits for it, `run` does not.
  private readonly fns = new Set<(...args: A) => unknown>();

  add(fn: (...args: A) => unknown): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }

  /** Runs every subscriber; one that throws (or rejects) is reported and does not stop the others. */
  run(onError: (err: unknown) => void, ...args: A): void {
    void this.runAll(onError, ...args);
  }

  /** `run`, settling once the promises the subscribers returned have settled. */
  async runAll(onError: (err: unknown) => void, ...args: A): Promise<void> {
    const pending: Promise<unknown>[] = [];
    for (const fn of this.fns) {
      try {
        const r = fn(...args);
        if (r instanceof Promise) pending.push(r.catch(onError));
      } catch (err) {
        onError(err);
      }
    }
    await Promise.all(pending);
  }
}

// A tiny typed hook list: modules subscribe to session life-cycle events without global emitters.
export class Hook<A extends unknown[]> {
  private readonly fns = new Set<(...args: A) => void>();

  add(fn: (...args: A) => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }

  /** Runs every subscriber; one that throws is reported and does not stop the others. */
  run(onError: (err: unknown) => void, ...args: A): void {
    for (const fn of this.fns) {
      try {
        fn(...args);
      } catch (err) {
        onError(err);
      }
    }
  }
}

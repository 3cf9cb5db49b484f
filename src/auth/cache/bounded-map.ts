// A bounded map in least-recently-used order: Map keeps insertion order, so a read re-inserts the key
// and the first key is the one to drop when the bound is reached. Expiry is the caller's business.
export interface BoundedMap<V> {
  get(key: string): V | undefined;
  /** Stores the value; returns true when an older entry had to be dropped to stay within the bound. */
  set(key: string, value: V): boolean;
  delete(key: string): boolean;
  clear(): void;
  readonly size: number;
}

export function createBoundedMap<V>(maxEntries: number): BoundedMap<V> {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new Error("maxEntries must be >= 1");
  const map = new Map<string, V>();
  return {
    get(key) {
      const value = map.get(key);
      if (value === undefined) return undefined;
      map.delete(key);
      map.set(key, value);
      return value;
    },
    set(key, value) {
      map.delete(key);
      map.set(key, value);
      if (map.size <= maxEntries) return false;
      const oldest = map.keys().next();
      if (oldest.done !== true) map.delete(oldest.value);
      return true;
    },
    delete: (key) => map.delete(key),
    clear: () => map.clear(),
    get size() {
      return map.size;
    },
  };
}

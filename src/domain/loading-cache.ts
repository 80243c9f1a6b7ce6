// An in-memory cache of loads, for state that changes rarely and is read on every request
// (agent records, vault policies). Concurrent readers of a missing key share one load. A load
// that an invalidation overtakes answers the callers already waiting for it but is not kept, so
// a stale read never outlives the change that made it stale.
export class LoadingCache<V> {
  private readonly entries = new Map<string, Promise<V>>();
  private generation = 0;

  /** `keep` decides which loaded values stay cached (e.g. not "not found", which callers may probe at will). */
  constructor(
    private readonly maxEntries: number,
    private readonly keep: (value: V) => boolean = () => true,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached) return cached;
    const started = this.generation;
    const loading = load();
    this.entries.set(key, loading);
    const drop = () => {
      if (this.entries.get(key) === loading) this.entries.delete(key);
    };
    loading.then((value) => {
      if (this.generation !== started || !this.keep(value)) drop();
    }, drop);
    // Forget the least recently loaded first.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return loading;
  }

  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

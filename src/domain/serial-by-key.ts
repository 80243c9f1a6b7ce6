// Work that must happen one at a time per key (writes of one secret path) waits here, in memory,
// rather than in the database: a write that waited for another's row lock held a pooled
// connection while it waited, so a burst of writes to one path could take every connection of
// the pool and stall unrelated requests. Work for different keys never waits for each other.

export class SerialByKey {
  /** The last work queued per key, settled or not; removed once it settles with nothing behind it. */
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` once every earlier work of the same key has settled, whatever its outcome. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    const result = previous ? previous.then(work) : work();
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/**
 * Runs the persist jobs of one process one at a time per thread (handlers.ts). A persist job
 * writes every settled entry of its threads' tails, so two such jobs running side by side on one
 * thread read the same tail and write the same rows twice (both idempotent, neither useful). Under
 * a backlog that is the common case: BullMQ hands a worker several jobs at once, each naming the
 * same busy threads, and a drain of 2,000 messages wrote 16,000 rows. Queued behind the first, a
 * later job finds its version gone from the tail and returns after one read. Jobs on other
 * threads still run side by side; across processes the (epoch, rev) conditions keep it correct.
 */
export class ThreadSerial {
  /** Per thread, what the newest job registered for it (a gate that never rejects). */
  readonly #last = new Map<string, Promise<void>>();

  /** Runs `work` once every job registered before on any of `threadIds` has ended. */
  async run<T>(threadIds: string[], work: () => Promise<T>): Promise<T> {
    const keys = [...new Set(threadIds)];
    const before = keys.flatMap((k) => this.#last.get(k) ?? []);
    let open!: () => void;
    const mine = new Promise<void>((resolve) => {
      open = resolve;
    });
    // Registered before waiting: a job that comes later queues behind this one, so no wait can
    // form a cycle (each job waits only on gates that existed before its own).
    for (const key of keys) this.#last.set(key, mine);
    try {
      await Promise.all(before);
      return await work();
    } finally {
      open();
      for (const key of keys) if (this.#last.get(key) === mine) this.#last.delete(key);
    }
  }

  /** Threads with a job running or queued (for tests: the map must not grow without bound). */
  get size(): number {
    return this.#last.size;
  }
}

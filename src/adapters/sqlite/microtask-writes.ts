/**
 * Joins small writes made in the same synchronous stretch into one SQLite transaction (for
 * SqliteThreadStore's touchThread, setUsage and recordUsage): a worker that touches twenty threads with
 * `Promise.all` pays one commit, not twenty (a WAL commit costs far more than an UPDATE). Each
 * write is its own statement and gets its own result; if the joint transaction fails, every write
 * runs again on its own, so one bad write only fails its own caller. Callers see the same
 * promise-per-write API; a write is durable (committed) when its promise resolves.
 */
import type { SqliteDb } from "./database.ts";

interface Queued<T> {
  run(): T;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export class MicrotaskWrites {
  // biome-ignore lint/suspicious/noExplicitAny: each queued write carries its own result type.
  #queued: Queued<any>[] = [];

  constructor(private readonly db: SqliteDb) {}

  /** Runs `write` in the next joint transaction; resolves with its result once committed. */
  add<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queued.push({ run: write, resolve, reject });
      if (this.#queued.length === 1) queueMicrotask(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#queued;
    this.#queued = [];
    let results: unknown[];
    try {
      results = this.db.transaction(() => batch.map((w) => w.run()));
    } catch {
      // The joint transaction rolled back (one write failed): each on its own, own outcome.
      for (const write of batch) {
        try {
          write.resolve(this.db.transaction(() => write.run()));
        } catch (error) {
          write.reject(error);
        }
      }
      return;
    }
    for (const [i, write] of batch.entries()) write.resolve(results[i]);
  }
}

/**
 * The thread as its model calls see it, kept by the owning actor: read once from history, then
 * kept current by the message writer (the thread's only writer while it holds the lease), so a
 * turn on a long thread does not re-read every message from the store and the tail.
 */
import type { MessageRecord } from "../src/domain/records.ts";

export class ThreadContext {
  #bySeq: Map<number, MessageRecord> | null = null;
  #loading: Promise<Map<number, MessageRecord>> | null = null;
  /** Versions written while the first read was in flight, applied over it. */
  #written: MessageRecord[] = [];

  constructor(private readonly load: () => Promise<MessageRecord[]>) {}

  /** Every message in seq order, newest version of each. */
  async records(): Promise<MessageRecord[]> {
    const bySeq = this.#bySeq ?? (await this.#firstRead());
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  /** A new message or a new version of one, as this node wrote it. */
  put(record: MessageRecord): void {
    if (this.#bySeq) this.#bySeq.set(record.seq, record);
    else if (this.#loading) this.#written.push(record);
  }

  #firstRead(): Promise<Map<number, MessageRecord>> {
    this.#loading ??= this.load().then((all) => {
      const bySeq = new Map(all.map((r) => [r.seq, r]));
      for (const record of this.#written) bySeq.set(record.seq, record);
      this.#written = [];
      this.#bySeq = bySeq;
      this.#loading = null;
      return bySeq;
    });
    return this.#loading;
  }
}

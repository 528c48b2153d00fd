/**
 * Takes requests queued one right after another in a mailbox together into one task (issue 17:
 * the append-only sends behind a thread's running append become one grouped store call). A
 * request joins the group at the end of the mailbox while that group has not started; anything
 * else queued after it (a turn, an import) closes it, so mailbox order is kept exactly.
 */
import type { Mailbox } from "./mailbox.ts";

/**
 * 256 requests at most: the group's script call stays well under a millisecond of Redis time,
 * and one send's wait behind its group stays short.
 */
export const MAX_GROUP_REQUESTS = 256;

export type Settled<T> = { ok: true; result: T } | { ok: false; error: unknown };

interface Item<R, T> {
  request: R;
  resolve(value: T): void;
  reject(error: unknown): void;
}

interface Group<R, T> {
  items: Item<R, T>[];
  /** The mailbox's `queued` right after this group's task was queued. */
  ticket: number;
}

export class MailboxGroups<R, T> {
  #open: Group<R, T> | null = null;

  constructor(
    private readonly mailbox: Mailbox,
    /** Runs a group: one outcome per request, in order; should not throw. */
    private readonly runGroup: (requests: R[]) => Promise<Settled<T>[]>,
  ) {}

  add(request: R): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item = { request, resolve, reject };
      const open = this.#open;
      if (open && open.ticket === this.mailbox.queued && open.items.length < MAX_GROUP_REQUESTS) {
        open.items.push(item);
        return;
      }
      const group: Group<R, T> = { items: [item], ticket: 0 };
      this.#open = group;
      void this.mailbox.run(() => this.#run(group));
      group.ticket = this.mailbox.queued;
    });
  }

  async #run(group: Group<R, T>): Promise<void> {
    if (this.#open === group) this.#open = null;
    const requests = group.items.map((item) => item.request);
    const outcomes = await this.runGroup(requests).catch((error: unknown) =>
      requests.map((): Settled<T> => ({ ok: false, error })),
    );
    group.items.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.result);
      else item.reject(outcome ? outcome.error : new Error("group answered too few outcomes"));
    });
  }
}

/**
 * A thread's head on its owner (API.md "Branches"): where an append without `parent_seq` goes.
 * Read once from the store (the last switch, domain/branches.ts `headOf`), then kept by the message
 * writer, the thread's only writer: an append on the chain becomes the head; one off the chain (a
 * summary) leaves it and says so in the store, since without a switch the head is the newest
 * message; a switch is stored with the last seq it saw.
 */
import { headOf, isOnChain, storedSwitch } from "../src/domain/branches.ts";
import type { MessageRecord, ThreadRecord } from "../src/domain/records.ts";
import { ValidationError } from "../src/protocol/errors.ts";
import type { ActorDeps } from "./actor-deps.ts";

/** A seq that names a message of the thread: 1 … lastSeq; `param` names the field otherwise. */
export function checkSeq(seq: number, param: string, lastSeq: number): void {
  if (!Number.isInteger(seq) || seq < 1 || seq > lastSeq) {
    throw new ValidationError(`${param} ${seq} names no message of this thread.`, param);
  }
}

export class BranchHead {
  /** Undefined until first needed. */
  #head: number | null | undefined = undefined;

  constructor(
    private readonly deps: Pick<ActorDeps, "store" | "history">,
    private readonly thread: ThreadRecord,
  ) {}

  async current(lastSeq: number): Promise<number | null> {
    if (this.#head !== undefined) return this.#head;
    const { tenant_id, id } = this.thread;
    const thread = (await this.deps.store.getThread(tenant_id, id)) ?? this.thread;
    const head = headOf(lastSeq, storedSwitch(thread));
    // An append may have set it meanwhile; that one is newer.
    if (this.#head === undefined) this.#head = head;
    return this.#head;
  }

  /** After `records` were appended (the thread's last seq is now `lastSeq`). */
  async afterAppend(records: MessageRecord[], lastSeq: number): Promise<void> {
    const chain = records.filter(isOnChain);
    if (chain.length > 0) this.#head = chain.at(-1)!.seq;
    if (chain.length === records.length) return;
    const head = await this.current(lastSeq);
    if (head === null) return;
    await this.#store(head, lastSeq);
  }

  async switchTo(seq: number, lastSeq: number): Promise<void> {
    checkSeq(seq, "head_seq", lastSeq);
    const target = await this.deps.history.message(this.thread.id, seq);
    if (!target || !isOnChain(target)) {
      throw new ValidationError("head_seq must name a message of the conversation.", "head_seq");
    }
    await this.#store(seq, lastSeq);
    this.#head = seq;
  }

  #store(seq: number, asOf: number): Promise<boolean> {
    return this.deps.store.setHead(this.thread.tenant_id, this.thread.id, { seq, asOf });
  }
}

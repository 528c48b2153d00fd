/**
 * One thread's view on the client: the last cursor it saw and the messages built from events by
 * the server's own `MessageAssembler` (src/domain), so the client and the server cannot disagree
 * on a message. `accept` drops an event at or before the last position (a replay overlap after a
 * reconnect), so each event is applied and handed on exactly once; `stream.reset` replaces the
 * message it names and moves the position to the reset's cursor.
 */
import { MessageAssembler } from "../domain/message-assembly.ts";
import { parseStreamCursor, type StreamPosition } from "../domain/stream-cursor.ts";
import type { StreamEvent } from "../protocol/events.ts";
import type { Message } from "../protocol/objects.ts";

/** The offset that names the end of a message: `"<seq>:<END_OFFSET>"` resumes at the next one. */
export const END_OFFSET = Number.MAX_SAFE_INTEGER;

export function compare(a: StreamPosition, b: StreamPosition): number {
  return a.seq === b.seq ? a.offset - b.offset : a.seq - b.seq;
}

export function formatCursor(position: StreamPosition): string {
  return `${position.seq}:${position.offset}`;
}

export class ThreadState {
  #position: StreamPosition | null;
  #assemblers = new Map<number, MessageAssembler>();
  #messages = new Map<number, Message>();

  constructor(after: StreamPosition | null = null) {
    this.#position = after;
  }

  /** The cursor of the last accepted event (or the starting cursor), for `after=`. */
  get cursor(): string | null {
    return this.#position ? formatCursor(this.#position) : null;
  }

  get position(): StreamPosition | null {
    return this.#position;
  }

  /** Messages in seq order; compaction summaries are left out, as history leaves them out. */
  messages(): Message[] {
    return [...this.#messages.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, m]) => m)
      .filter((m) => m.role !== "summary");
  }

  message(seq: number): Message | undefined {
    return this.#messages.get(seq);
  }

  /** Seeds a message read from history (REST), e.g. before following the thread. */
  put(message: Message): void {
    this.#messages.set(message.seq, message);
  }

  /** Applies the event; false when it is a duplicate (already seen) and must be dropped. */
  accept(event: StreamEvent): boolean {
    const position = parseStreamCursor(event.cursor, "cursor");
    if (event.type === "stream.reset") {
      this.#reset(event.seq, event.message);
      this.#position = position;
      return true;
    }
    if (this.#position && compare(position, this.#position) <= 0) return false;
    this.#position = position;
    let assembler = this.#assemblers.get(position.seq);
    if (event.type === "message.created" || !assembler) {
      const known = this.#messages.get(position.seq);
      // A message neither created on this stream nor known from history cannot be built here.
      if (event.type !== "message.created" && !known) return true;
      assembler = new MessageAssembler();
      this.#assemblers.set(position.seq, assembler);
      if (event.type !== "message.created" && known) seed(assembler, known);
    }
    assembler.apply(event);
    const snapshot = assembler.snapshot();
    if (snapshot) {
      // Children are known from later messages, not from the message's own events.
      const children = this.#messages.get(position.seq)?.children ?? snapshot.children;
      this.#messages.set(position.seq, { ...snapshot, children });
    }
    if (event.type === "message.created") this.#link(event.message);
    if (snapshot && snapshot.status !== "in_progress") this.#assemblers.delete(position.seq);
    return true;
  }

  /** A new message is a child of its parent: the parent's `children` get its seq. */
  #link(message: Message): void {
    const parent = message.parent_seq === null ? undefined : this.#messages.get(message.parent_seq);
    if (!parent || parent.children.includes(message.seq)) return;
    const children = [...parent.children, message.seq].sort((a, b) => a - b);
    this.#messages.set(parent.seq, { ...parent, children });
  }

  #reset(seq: number, message: Message): void {
    const assembler = new MessageAssembler();
    seed(assembler, message);
    this.#messages.set(seq, message);
    if (message.status === "in_progress") this.#assemblers.set(seq, assembler);
    else this.#assemblers.delete(seq);
  }
}

function seed(assembler: MessageAssembler, message: Message): void {
  assembler.apply({ type: "message.created", thread_id: message.thread_id, cursor: "", message });
}

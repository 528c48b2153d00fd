/**
 * The one writer of a thread on its owning node. Thin by design: turns go through a mailbox (one
 * at a time, so seqs and event logs never interleave); the message writer appends and settles
 * messages; the turn runner drives the model; the thread log checkpoints and fans out events;
 * subscriptions replay from the ring buffer or the Redis checkpoint, then follow live.
 */

import type { ThreadRecord } from "../src/domain/records.ts";
import type { Block } from "../src/protocol/blocks.ts";
import {
  IdempotencyMismatchError,
  ThreadBusyError,
  ValidationError,
} from "../src/protocol/errors.ts";
import type { Message } from "../src/protocol/objects.ts";
import type { ActorDeps } from "./actor-deps.ts";
import { ThreadCompaction } from "./compaction.ts";
import { type EventEntry, endOf, type Position } from "./event-entry.ts";
import { Follower } from "./follower.ts";
import type { AppendedSend, GroupedSend, GroupOutcome } from "./grouped-append.ts";
import { Mailbox } from "./mailbox.ts";
import { MailboxGroups } from "./mailbox-groups.ts";
import { eraseMessage } from "./message-erasure.ts";
import { MessageWriter, type NewMessage } from "./message-writer.ts";
import { recoverTail } from "./recovery.ts";
import type { StreamSink, Subscription } from "./subscription.ts";
import { resolveTurnTools } from "./tenant-tools.ts";
import { ThreadLog } from "./thread-log.ts";
import {
  appendOnlyTicket,
  deferred,
  parentOption,
  type SendCommand,
  type TurnTicket,
  ticketSeqs,
  turnMessages,
} from "./turn.ts";
import { TurnRunner } from "./turn-runner.ts";

/** The `settled` of an append without a model: nothing to wait for. */

export class ThreadActor {
  readonly thread: ThreadRecord;
  readonly epoch: number;
  readonly #deps: ActorDeps;
  readonly #mailbox = new Mailbox();
  readonly #log: ThreadLog;
  readonly #writer: MessageWriter;
  readonly #runner: TurnRunner;
  readonly #compaction: ThreadCompaction;
  readonly #follower: Follower;
  readonly #appends: MailboxGroups<GroupedSend, AppendedSend>;
  readonly #pending = new Map<string, { fingerprint: string; ticket: Promise<TurnTicket> }>();
  #stopped = false;
  #activated: Promise<void> = Promise.resolve();
  lastUsedAt: number;
  onStopped: (() => void) | null = null;

  constructor(deps: ActorDeps, thread: ThreadRecord, epoch: number, lastSeq: number) {
    this.#deps = deps;
    this.thread = thread;
    this.epoch = epoch;
    this.lastUsedAt = deps.clock.now();
    this.#log = new ThreadLog({
      threadId: thread.id,
      lastSeq,
      write: (batches) => deps.checkpoint.appendEvents(thread.id, epoch, batches),
      onDurable: (entries) => deps.live?.publish(thread.id, entries),
      onFailure: (reason, error) => this.#fail(reason, error),
      closedLogTtlMs: deps.limits.dedupTtlMs,
    });
    this.#writer = new MessageWriter(deps, thread, epoch, this.#log, lastSeq, () =>
      this.#fail("fenced"),
    );
    this.#appends = new MailboxGroups(this.#mailbox, (sends) => this.#appendGroup(sends));
    this.#compaction = new ThreadCompaction(deps, thread, this.#writer);
    this.#runner = new TurnRunner(deps, thread, this.#writer, this.#log, this.#compaction);
    this.#follower = new Follower({
      threadId: thread.id,
      replay: { checkpoint: deps.checkpoint, message: (t, s) => deps.history.message(t, s) },
      logger: deps.logger,
      maxSubscriberBufferBytes: deps.limits.maxSubscriberBufferBytes,
      lastSeq: () => this.lastSeq,
      // A cursor from the future cannot be served from memory: the checkpoint replay resets it.
      fromMemory: (position) =>
        position.seq > this.lastSeq ? { kind: "miss" } : this.#log.readAfter(position),
      attach: (subscription) => this.#log.subscribe(subscription),
      detach: (subscription) => this.#log.unsubscribe(subscription),
    });
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  get lastSeq(): number {
    return this.#writer.lastSeq;
  }

  /** Idle: nothing queued or running, nobody following. */
  get idle(): boolean {
    return this.#mailbox.depth === 0 && this.#log.subscriberCount === 0 && this.#pending.size === 0;
  }

  /** A turn is queued or running (what a draining node waits for; followers do not count). */
  get working(): boolean {
    return this.#mailbox.depth > 0 || this.#pending.size > 0;
  }

  get busySeq(): number | null {
    return this.#runner.busySeq;
  }

  /** Finalizes what a previous owner left in progress; runs before any command. */
  activate(): Promise<void> {
    this.#activated = this.#mailbox.run(() =>
      recoverTail(this.#deps, this.thread.id, this.#writer, this.#log),
    );
    return this.#activated;
  }

  /** Erases settled message `seq` (DELETE …/messages/:seq), at once: message-erasure.ts. */
  async deleteMessage(seq: number): Promise<Message> {
    await this.#activated; // recovery settles what a previous owner left in progress
    const context = { deps: this.#deps, thread: this.thread, writer: this.#writer };
    return eraseMessage(context, seq, this.lastSeq);
  }

  async send(command: SendCommand): Promise<TurnTicket> {
    this.lastUsedAt = this.#deps.clock.now();
    const prior = await this.#retryOf(command);
    if (prior) return prior;
    const resolved = command.body.model ? this.#deps.catalog.resolve(command.body.model) : null;
    if (command.body.model && !resolved) {
      throw new ValidationError(
        `Unknown model "${command.body.model}". GET /v1/models lists them.`,
        "model",
      );
    }
    // Stored as the canonical `provider/name`, however it was sent (`gpt-5.1` → `openai/gpt-5.1`).
    const canonical = resolved ? `${resolved.provider.name}/${resolved.model}` : null;
    const turnCommand = canonical
      ? { ...command, body: { ...command.body, model: canonical } }
      : command;
    const tools = await resolveTurnTools(this.#deps.tools, this.thread.tenant_id, command.body);
    const busy = this.busySeq !== null;
    if (busy && command.body.on_busy === "reject")
      throw new ThreadBusyError(this.busySeq ?? this.lastSeq);
    if (busy && command.body.on_busy === "interrupt") this.#interrupt();

    const messages = turnMessages(command, canonical);
    if (!resolved && !command.regenerate) return this.#sendAppend(command, messages);

    const assigned = deferred<TurnTicket>();
    const turn = this.#mailbox.run(async () => {
      const settled = deferred<void>();
      const ifLastSeq = await this.#commitSummary(command.body.if_last_seq ?? null);
      const result = await this.#writer.append(messages, {
        requestId: command.requestId,
        fingerprint: command.fingerprint,
        ifLastSeq,
        ...parentOption(command),
      });
      const { userSeq, assistantSeq } = ticketSeqs(command, result.seqs);
      const duplicate = result.kind === "duplicate";
      assigned.resolve({ userSeq, assistantSeq, duplicate, settled: settled.promise });
      if (!resolved || duplicate || assistantSeq === null) return settled.resolve();
      await this.#runner.run(
        turnCommand,
        tools,
        resolved.provider,
        resolved.model,
        assistantSeq,
        () => settled.resolve(),
      );
    });
    turn.catch((error) => assigned.reject(error));
    if (command.requestId) this.#trackPending(command, assigned.promise, turn);
    return assigned.promise;
  }

  /**
   * An append-only send (no model): it joins the append-only sends queued right before it, if
   * their group has not started, and they go to the store in one call (mailbox-groups.ts).
   */
  #sendAppend(command: SendCommand, messages: NewMessage[]): Promise<TurnTicket> {
    const appended = this.#appends.add({
      messages,
      options: {
        requestId: command.requestId,
        fingerprint: command.fingerprint,
        ifLastSeq: command.body.if_last_seq ?? null,
        ...parentOption(command),
      },
    });
    const ticket = appended.then((result) => appendOnlyTicket(command, result));
    if (command.requestId) this.#trackPending(command, ticket, ticket);
    return ticket;
  }

  /** A group of append-only sends: a ready summary goes first, as before any send. */
  async #appendGroup(sends: GroupedSend[]): Promise<GroupOutcome[]> {
    const [first, ...rest] = sends;
    if (!first) return [];
    const ifLastSeq = await this.#commitSummary(first.options.ifLastSeq);
    return this.#writer.appendGroup([
      { ...first, options: { ...first.options, ifLastSeq } },
      ...rest,
    ]);
  }

  /** Switches the active branch to end at `seq`; refused while a turn runs (it writes the head). */
  switchHead(seq: number): Promise<void> {
    if (this.working) throw new ThreadBusyError(this.busySeq ?? this.lastSeq);
    return this.#mailbox.run(() => this.#writer.switchHead(seq));
  }

  /** Appends historical messages (API.md "Import"), settled; refused while a turn runs. */
  importMessages(messages: NewMessage[]): Promise<number[]> {
    if (this.working) throw new ThreadBusyError(this.busySeq ?? this.lastSeq);
    return this.#mailbox.run(async () => {
      const result = await this.#writer.append(messages, {
        requestId: null,
        fingerprint: "",
        ifLastSeq: null,
      });
      return result.seqs;
    });
  }

  /** Stops a generation (or a wait for tool results). False when `seq` is not running here. */
  cancel(seq: number): boolean {
    return this.#runner.cancel(seq);
  }

  whenSettled(seq: number): Promise<void> {
    return this.#writer.whenSettled(seq);
  }

  submitToolResult(toolUseId: string, content: string | Block[], isError: boolean): void {
    this.#runner.submitToolResult(toolUseId, content, isError);
  }

  /** Replays after `after` (from the ring, or the checkpoint), then follows live. */
  follow(
    after: Position | null,
    sink: StreamSink,
    onDelivered: ((last: EventEntry) => void) | null = null,
  ): Subscription {
    return this.#follower.follow(after ?? this.startPosition(), sink, onDelivered);
  }

  unfollow(subscription: Subscription): void {
    this.#log.unsubscribe(subscription);
  }

  snapshot(seq: number): Message | null {
    return this.#log.snapshot(seq);
  }

  /** Ends the actor: generations are aborted (left in progress for recovery), clients told to reconnect. */
  async stop(reason: "reconnect" | "done" = "reconnect"): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#runner.abort();
    await this.#log.flushed();
    await this.#writer.persistQueued();
    this.#log.closeSubscribers(reason);
    this.onStopped?.();
  }

  /** Where a subscription without a cursor starts: the running turn, or after the last event. */
  startPosition(): Position {
    const busy = this.busySeq;
    if (busy !== null) return endOf(busy - 1);
    const last = this.#log.lastDurable;
    return last ? { seq: last.seq, offset: last.offset } : endOf(this.lastSeq);
  }

  async #retryOf(command: SendCommand): Promise<TurnTicket | null> {
    if (!command.requestId) return null;
    const pending = this.#pending.get(command.requestId);
    if (pending) {
      if (pending.fingerprint !== command.fingerprint) throw new IdempotencyMismatchError();
      return pending.ticket;
    }
    const recorded = await this.#deps.checkpoint.findRequest(this.thread.id, command.requestId);
    if (!recorded) return null;
    if (recorded.fingerprint !== command.fingerprint) throw new IdempotencyMismatchError();
    const { userSeq, assistantSeq } = ticketSeqs(command, recorded.seqs);
    return { userSeq, assistantSeq, duplicate: true, settled: Promise.resolve() };
  }

  /**
   * Appends a summary a worker made since the last turn (compaction.ts). The summary is Spool's
   * own: a client whose `if_last_seq` was the thread's end just before it is still up to date.
   */
  async #commitSummary(ifLastSeq: number | null): Promise<number | null> {
    const seq = await this.#compaction.commitReady().catch((error) => {
      // A summary is an optimization: the turn goes on without it (fitted by dropping).
      if ((error as { code?: string }).code === "unavailable") throw error;
      this.#deps.logger.warn("summary append failed", { thread: this.thread.id, error });
      return null;
    });
    return seq !== null && ifLastSeq === seq - 1 ? seq : ifLastSeq;
  }

  #trackPending(command: SendCommand, ticket: Promise<TurnTicket>, turn: Promise<unknown>): void {
    const requestId = command.requestId!;
    this.#pending.set(requestId, { fingerprint: command.fingerprint, ticket });
    const forget = () => this.#pending.delete(requestId);
    turn.then(forget, forget);
  }

  #interrupt(): void {
    const seq = this.busySeq;
    if (seq !== null) this.#runner.cancel(seq);
  }

  #fail(reason: "fenced" | "error", error?: unknown): void {
    this.#deps.logger.warn("thread actor stopping", { thread: this.thread.id, reason, error });
    void this.stop("reconnect");
  }
}

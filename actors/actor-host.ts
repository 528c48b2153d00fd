/**
 * The thread actors of this process: one per active thread, created on first use after this node
 * takes the thread's lease (and its fencing epoch), evicted when idle (lease released), all stopped
 * on shutdown. While another live node holds a lease this host waits for it to lapse; routing
 * commands to that node instead is the sharding layer's job.
 */

import type { TimerHandle } from "../src/ports/clock.ts";
import type { LeaseStore } from "../src/ports/lease.ts";
import type { ThreadRecord } from "../src/ports/records.ts";
import { UnavailableError } from "../src/protocol/errors.ts";
import type { Message } from "../src/protocol/objects.ts";
import type { ActorDeps } from "./actor-deps.ts";
import { type LeaseTiming, Ownership } from "./ownership.ts";
import { ThreadActor } from "./thread-actor.ts";

/** 60 s idle: a chat pause keeps its actor warm; a left tab frees it within a minute. */
export const ACTOR_IDLE_MS = 60_000;
const SWEEP_EVERY_MS = 10_000;
/** How often to look again at a lease held by another node. */
const LEASE_POLL_MS = 100;

export class ActorHost {
  readonly #actors = new Map<string, ThreadActor>();
  readonly #activating = new Map<string, Promise<ThreadActor>>();
  #sweepTimer: TimerHandle | null = null;
  #closing = false;

  constructor(
    private readonly deps: ActorDeps,
    private readonly leases: LeaseStore,
    private readonly timing: LeaseTiming,
  ) {}

  get size(): number {
    return this.#actors.size;
  }

  startSweeping(): void {
    const sweep = () => {
      void this.#evictIdle();
      this.#sweepTimer = this.deps.clock.setTimeout(sweep, SWEEP_EVERY_MS);
    };
    this.#sweepTimer = this.deps.clock.setTimeout(sweep, SWEEP_EVERY_MS);
  }

  local(threadId: string): ThreadActor | undefined {
    const actor = this.#actors.get(threadId);
    return actor && !actor.stopped ? actor : undefined;
  }

  snapshot(threadId: string, seq: number): Message | null {
    return this.local(threadId)?.snapshot(seq) ?? null;
  }

  async actorFor(thread: ThreadRecord): Promise<ThreadActor> {
    if (this.#closing) throw new UnavailableError("This node is shutting down; retry.");
    const existing = this.local(thread.id);
    if (existing) return existing;
    let activation = this.#activating.get(thread.id);
    if (!activation) {
      activation = this.#activate(thread).finally(() => this.#activating.delete(thread.id));
      this.#activating.set(thread.id, activation);
    }
    return activation;
  }

  async stopAll(): Promise<void> {
    this.#closing = true;
    if (this.#sweepTimer !== null) this.deps.clock.clearTimeout(this.#sweepTimer);
    await Promise.all([...this.#actors.values()].map((actor) => actor.stop("reconnect")));
  }

  async #activate(thread: ThreadRecord): Promise<ThreadActor> {
    const epoch = await this.#acquire(thread.id);
    const lastSeq = await this.#lastSeq(thread.id, epoch);
    const actor = new ThreadActor(this.deps, thread, epoch, lastSeq);
    const ownership = new Ownership(
      thread.id,
      this.deps.nodeId,
      epoch,
      this.leases,
      this.deps.clock,
      this.timing,
      () => {
        void actor.stop("reconnect");
      },
    );
    actor.onStopped = () => {
      if (this.#actors.get(thread.id) === actor) this.#actors.delete(thread.id);
      void ownership.release();
    };
    this.#actors.set(thread.id, actor);
    await actor.activate();
    return actor;
  }

  async #acquire(threadId: string): Promise<number> {
    const deadline = this.deps.clock.now() + this.timing.ttlMs + 1000;
    for (;;) {
      const result = await this.leases.acquire(threadId, this.deps.nodeId, this.timing.ttlMs);
      if (result.ok) return result.epoch;
      if (this.deps.clock.now() > deadline) {
        throw new UnavailableError("Another node holds this thread; retry shortly.");
      }
      await new Promise<void>((r) =>
        this.deps.clock.setTimeout(r, Math.min(LEASE_POLL_MS, result.ttlMs + 1)),
      );
    }
  }

  /** The seq counter from the hot tier, or restored from the store when the hot tier lost it. */
  async #lastSeq(threadId: string, epoch: number): Promise<number> {
    const hot = await this.deps.checkpoint.lastSeq(threadId);
    if (hot !== null) return hot;
    const stored = await this.deps.store.lastSeq(threadId);
    await this.deps.checkpoint.initLastSeq(threadId, epoch, stored);
    return (await this.deps.checkpoint.lastSeq(threadId)) ?? stored;
  }

  async #evictIdle(): Promise<void> {
    const now = this.deps.clock.now();
    for (const actor of this.#actors.values()) {
      if (actor.idle && now - actor.lastUsedAt > ACTOR_IDLE_MS) await actor.stop("done");
    }
  }
}

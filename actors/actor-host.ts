/**
 * The thread actors of this process: one per active thread, created on first use after this node
 * takes the thread's lease (and its fencing epoch), evicted when idle (lease released), all stopped
 * on shutdown (leases released, awaited, so another node can take over at once). While another
 * node holds a lease this host waits for it to lapse; forwarding to a live owner instead is
 * thread-router.ts's job. An actor's checkpoint writes go through a lease guard (self-fencing).
 * Draining (SIGTERM): no new actor starts here, idle ones stop at once, working ones stop as soon
 * as their turns end, so each lease is released the moment nothing runs on it.
 */

import type { ThreadRecord } from "../src/domain/records.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { TimerHandle } from "../src/ports/clock.ts";
import type { LeaseStore } from "../src/ports/lease.ts";
import { UnavailableError } from "../src/protocol/errors.ts";
import type { Message } from "../src/protocol/objects.ts";
import type { ActorDeps } from "./actor-deps.ts";
import { guardCheckpoint } from "./lease-guard.ts";
import { type LeaseTiming, Ownership } from "./ownership.ts";
import { ThreadActor } from "./thread-actor.ts";

/** 60 s idle: a chat pause keeps its actor warm; a left tab frees it within a minute. */
export const ACTOR_IDLE_MS = 60_000;
const SWEEP_EVERY_MS = 10_000;
/** How often to look again at a lease held by another node. */
const LEASE_POLL_MS = 100;
/**
 * The grant is counted from a little before the acquire answered (the lease started when Redis
 * ran the script): 50 ms covers a slow round trip, so `held` never overstates the lease.
 */
const LEASE_GRANT_SLACK_MS = 50;
/** 50 ms: a finished turn's lease is released within a frame time of its end. */
const DRAIN_POLL_MS = 50;
/** What a refused send is told to wait: about one answer's tail, then any live node serves it. */
export const DRAIN_RETRY_AFTER_S = 2;

export function drainingError(): UnavailableError {
  return new UnavailableError("This node is shutting down; retry.", undefined, DRAIN_RETRY_AFTER_S);
}

export class ActorHost {
  readonly #actors = new Map<string, ThreadActor>();
  readonly #activating = new Map<string, Promise<ThreadActor | null>>();
  readonly #releases = new Set<Promise<void>>();
  #sweepTimer: TimerHandle | null = null;
  #closing = false;
  #draining = false;

  constructor(
    private readonly deps: ActorDeps,
    private readonly leases: LeaseStore,
    private readonly timing: LeaseTiming,
  ) {}

  get size(): number {
    return this.#actors.size;
  }

  /** True once drain() began: this node takes no new turns. */
  get draining(): boolean {
    return this.#draining || this.#closing;
  }

  /**
   * Stops taking new turns, stops idle actors now and working ones as their turns end; resolves
   * true when none is left, false when `graceMs` ran out first (stopAll interrupts the rest).
   */
  async drain(graceMs: number): Promise<boolean> {
    this.#draining = true;
    const until = this.deps.clock.now() + graceMs;
    for (;;) {
      const stops = [...this.#actors.values()].filter((a) => !a.working).map((a) => a.stop());
      await Promise.all(stops);
      if (this.#actors.size === 0 && this.#activating.size === 0) return true;
      if (this.deps.clock.now() >= until) return false;
      await new Promise<void>((r) => this.deps.clock.setTimeout(r, DRAIN_POLL_MS));
    }
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

  /** The thread's actor, taking its lease; waits (up to a TTL) for another holder's lease to lapse. */
  async actorFor(thread: ThreadRecord): Promise<ThreadActor> {
    if (this.draining) throw drainingError();
    // A no-wait attempt in flight may come back empty; then wait in a second activation.
    const actor = (await this.#activation(thread, true)) ?? (await this.#activation(thread, true));
    if (!actor) throw new UnavailableError("Another node holds this thread; retry shortly.");
    return actor;
  }

  /** The thread's actor if this node holds or can take the lease now; null if another node holds it. */
  async tryActorFor(thread: ThreadRecord): Promise<ThreadActor | null> {
    if (this.draining) throw drainingError();
    return this.#activation(thread, false);
  }

  /** One activation per thread at a time, registered synchronously so two never race for a lease. */
  #activation(thread: ThreadRecord, wait: boolean): Promise<ThreadActor | null> {
    const existing = this.local(thread.id);
    if (existing) return Promise.resolve(existing);
    let activation = this.#activating.get(thread.id);
    if (!activation) {
      activation = this.#acquire(thread.id, wait)
        .then((epoch) => (epoch === null ? null : this.#activate(thread, epoch)))
        .finally(() => this.#activating.delete(thread.id));
      this.#activating.set(thread.id, activation);
    }
    return activation;
  }

  /**
   * Takes a followed thread over when its lease has lapsed (its owner died or left). Returns the
   * lease epoch now in force, so followers can tell that another writer had the thread meanwhile,
   * or "deleted" when the thread is gone (its followers are done).
   */
  async watchOwner(thread: ThreadRecord): Promise<number | null | "deleted"> {
    const local = this.local(thread.id);
    if (local) return local.epoch;
    const owner = await this.leases.owner(thread.id);
    if (owner) return owner.epoch;
    // No owner because the thread was deleted: nothing to take over (its keys must stay gone).
    if (!(await this.deps.store.getThread(thread.tenant_id, thread.id))) return "deleted";
    this.deps.logger.info("taking over thread", { thread: thread.id, node: this.deps.nodeId });
    return (await this.actorFor(thread)).epoch;
  }

  async stopAll(): Promise<void> {
    this.#closing = true;
    if (this.#sweepTimer !== null) this.deps.clock.clearTimeout(this.#sweepTimer);
    await Promise.allSettled([...this.#activating.values()]);
    await Promise.all([...this.#actors.values()].map((actor) => actor.stop("reconnect")));
    await Promise.all(this.#releases);
  }

  async #activate(thread: ThreadRecord, epoch: number): Promise<ThreadActor> {
    const requestedAt = this.deps.clock.now() - LEASE_GRANT_SLACK_MS;
    let actor: ThreadActor | null = null;
    const ownership = new Ownership(
      thread.id,
      this.deps.nodeId,
      epoch,
      this.leases,
      this.deps.clock,
      this.timing,
      () => void actor?.stop("reconnect"),
      requestedAt,
    );
    const deps = {
      ...this.deps,
      checkpoint: guardCheckpoint(this.deps.checkpoint, () => ownership.held),
    };
    try {
      const lastSeq = await this.#lastSeq(thread.id, epoch, deps.checkpoint);
      actor = new ThreadActor(deps, thread, epoch, lastSeq);
    } catch (error) {
      this.#track(ownership.release());
      throw error;
    }
    const created = actor;
    created.onStopped = () => {
      if (this.#actors.get(thread.id) === created) this.#actors.delete(thread.id);
      this.#track(ownership.release());
    };
    this.#actors.set(thread.id, created);
    await created.activate();
    return created;
  }

  #track(release: Promise<void>): void {
    const tracked = release.catch((error) => {
      // The lease then lapses by its TTL instead of at once; nothing else is at stake.
      this.deps.logger.warn("lease release failed", { error });
    });
    this.#releases.add(tracked);
    void tracked.finally(() => this.#releases.delete(tracked));
  }

  async #acquire(threadId: string, wait: boolean): Promise<number | null> {
    const deadline = this.deps.clock.now() + this.timing.ttlMs + 1000;
    for (;;) {
      const result = await this.leases.acquire(threadId, this.deps.nodeId, this.timing.ttlMs);
      if (result.ok) return result.epoch;
      if (!wait) return null;
      if (this.deps.clock.now() > deadline) {
        throw new UnavailableError("Another node holds this thread; retry shortly.");
      }
      await new Promise<void>((r) =>
        this.deps.clock.setTimeout(r, Math.min(LEASE_POLL_MS, result.ttlMs + 1)),
      );
    }
  }

  /** The seq counter from the hot tier, or restored from the store when the hot tier lost it. */
  async #lastSeq(threadId: string, epoch: number, checkpoint: CheckpointStore): Promise<number> {
    const hot = await checkpoint.lastSeq(threadId);
    if (hot !== null) return hot;
    const stored = await this.deps.store.lastSeq(threadId);
    await checkpoint.initLastSeq(threadId, epoch, stored);
    return (await checkpoint.lastSeq(threadId)) ?? stored;
  }

  async #evictIdle(): Promise<void> {
    const now = this.deps.clock.now();
    for (const actor of this.#actors.values()) {
      if (actor.idle && now - actor.lastUsedAt > ACTOR_IDLE_MS) await actor.stop("done");
    }
  }
}

/**
 * Following a thread this node does not own: catch up from the Redis checkpoint, then follow the
 * owner's durable batches on the live bus. The bus is subscribed before the replay starts and live
 * batches are held during it, so the switch has no gap; delivery skips positions already sent, so
 * it has no duplicate. A live batch that does not continue a follower's position (a lost publish,
 * an owner change) sends that follower back to the checkpoint. While anyone follows, the owner's
 * lease is watched, so a dead owner's threads are taken over without waiting for a command.
 */

import type { MessageRecord, ThreadRecord } from "../src/domain/records.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { Clock, TimerHandle } from "../src/ports/clock.ts";
import type { LiveBus, LiveEntry } from "../src/ports/live-bus.ts";
import type { Logger } from "../src/ports/logger.ts";
import {
  compare,
  END,
  type EventEntry,
  endOf,
  entryOf,
  nextOffset,
  type Position,
} from "./event-entry.ts";
import { Follower } from "./follower.ts";
import type { StreamSink, Subscription } from "./subscription.ts";

export interface LiveFeedDeps {
  live: LiveBus;
  checkpoint: CheckpointStore;
  message(threadId: string, seq: number): Promise<MessageRecord | null>;
  clock: Clock;
  logger: Logger;
  maxSubscriberBufferBytes: number;
  /** How often a followed thread's owner is checked while anyone here follows it. */
  watchEveryMs: number;
  /**
   * Called on each watch tick: takes the thread over if its lease lapsed; the epoch in force, or
   * "deleted" when the thread no longer exists.
   */
  watchOwner(thread: ThreadRecord): Promise<number | null | "deleted">;
}

class ThreadFeed {
  readonly followers = new Set<Subscription>();
  follower: Follower | null = null;
  ready: Promise<void> = Promise.resolve();
  unsubscribe: (() => void) | null = null;
  timer: TimerHandle | null = null;
  /** Follows between `#feedFor` and joining; the feed must not be dropped under them. */
  pending = 0;
  /** The lease epoch seen at the last watch tick. */
  epoch: number | null = null;
  constructor(readonly thread: ThreadRecord) {}
}

/** Whether `entries` continue a follower at `position` with nothing missing in between. */
export function continues(position: Position, lastFinal: boolean, entries: LiveEntry[]): boolean {
  const next = entries.find((e) => compare(e, position) > 0);
  if (!next) return true;
  if (next.seq === position.seq) return next.offset === nextOffset(position);
  const closed = lastFinal || position.offset === END;
  return next.offset === 0 && next.seq === position.seq + 1 && closed;
}

export class LiveFeeds {
  readonly #feeds = new Map<string, ThreadFeed>();

  constructor(private readonly deps: LiveFeedDeps) {}

  get size(): number {
    return this.#feeds.size;
  }

  async follow(
    thread: ThreadRecord,
    after: Position | null,
    sink: StreamSink,
    onDelivered: ((last: EventEntry) => void) | null = null,
  ): Promise<Subscription> {
    const feed = this.#feedFor(thread);
    feed.pending++;
    let from: Position;
    try {
      await feed.ready;
      from = after ?? (await this.startPosition(thread.id));
    } finally {
      feed.pending--;
    }
    return this.#followerOf(feed).follow(from, sink, onDelivered);
  }

  unfollow(threadId: string, subscription: Subscription): void {
    const feed = this.#feeds.get(threadId);
    if (!feed) return;
    feed.followers.delete(subscription);
    this.#dropIfUnused(feed);
  }

  closeAll(reason: "reconnect" | "done"): void {
    for (const feed of [...this.#feeds.values()]) {
      for (const subscription of feed.followers) subscription.close(reason);
      feed.followers.clear();
      this.#dropIfUnused(feed);
    }
  }

  #feedFor(thread: ThreadRecord): ThreadFeed {
    const existing = this.#feeds.get(thread.id);
    if (existing) return existing;
    const feed = new ThreadFeed(thread);
    this.#feeds.set(thread.id, feed);
    feed.ready = this.deps.live
      .subscribe(thread.id, (entries) => this.#onLive(feed, entries))
      .then((unsubscribe) => {
        if (this.#feeds.get(thread.id) === feed) feed.unsubscribe = unsubscribe;
        else unsubscribe();
      });
    this.#scheduleWatch(feed);
    return feed;
  }

  /** One follower per feed: it replays from the checkpoint and attaches to the live batches. */
  #followerOf(feed: ThreadFeed): Follower {
    feed.follower ??= new Follower({
      threadId: feed.thread.id,
      replay: { checkpoint: this.deps.checkpoint, message: this.deps.message },
      logger: this.deps.logger,
      maxSubscriberBufferBytes: this.deps.maxSubscriberBufferBytes,
      lastSeq: async () => (await this.deps.checkpoint.lastSeq(feed.thread.id)) ?? 0,
      attach: (subscription) => feed.followers.add(subscription),
      detach: (subscription) => feed.followers.delete(subscription),
    });
    return feed.follower;
  }

  #onLive(feed: ThreadFeed, live: LiveEntry[]): void {
    const entries = live.map((e) => entryOf(e.seq, e.offset, e.json, e.final));
    for (const subscription of feed.followers) {
      if (subscription.state === "closed") {
        feed.followers.delete(subscription);
        continue;
      }
      const gap =
        subscription.state === "live" &&
        !continues(subscription.position, subscription.lastFinal, entries);
      if (gap) subscription.state = "catching_up";
      subscription.receive(entries);
      if (gap) this.#followerOf(feed).catchUp(subscription);
    }
    this.#dropIfUnused(feed);
  }

  /** Start of a follow without a cursor: the running turn's start, or the end of the thread. */
  async startPosition(threadId: string): Promise<Position> {
    const tail = await this.deps.checkpoint.readTail(threadId);
    const running = tail.filter((r) => r.status === "in_progress").map((r) => r.seq);
    if (running.length > 0) return endOf(Math.min(...running) - 1);
    return endOf((await this.deps.checkpoint.lastSeq(threadId)) ?? 0);
  }

  #scheduleWatch(feed: ThreadFeed): void {
    feed.timer = this.deps.clock.setTimeout(() => {
      if (this.#feeds.get(feed.thread.id) !== feed) return;
      this.deps
        .watchOwner(feed.thread)
        .then((epoch) => (epoch === "deleted" ? this.#onDeleted(feed) : this.#onEpoch(feed, epoch)))
        .catch((error) =>
          this.deps.logger.warn("owner watch failed", { thread: feed.thread.id, error }),
        )
        .finally(() => {
          if (this.#feeds.get(feed.thread.id) === feed) this.#scheduleWatch(feed);
        });
    }, this.deps.watchEveryMs);
  }

  /**
   * A new grant since the last tick means another writer had the thread (a new owner, or the
   * reaper, which finalizes without publishing): read the checkpoint again rather than trust that
   * every batch was published.
   */
  #onEpoch(feed: ThreadFeed, epoch: number | null): void {
    const changed = feed.epoch !== null && epoch !== null && epoch !== feed.epoch;
    if (epoch !== null) feed.epoch = epoch;
    if (!changed) return;
    for (const subscription of feed.followers) {
      if (subscription.state === "live") this.#followerOf(feed).catchUp(subscription);
    }
  }

  /** The followed thread was deleted: its followers end (`done`), the feed goes. */
  #onDeleted(feed: ThreadFeed): void {
    for (const subscription of feed.followers) subscription.close("done");
    feed.followers.clear();
    this.#dropIfUnused(feed);
  }

  #dropIfUnused(feed: ThreadFeed): void {
    if (feed.followers.size > 0 || this.#feeds.get(feed.thread.id) !== feed) return;
    // A follow may be awaiting `ready` with no follower registered yet; keep the feed for it.
    if (feed.unsubscribe === null || feed.pending > 0) return;
    this.#feeds.delete(feed.thread.id);
    if (feed.timer !== null) this.deps.clock.clearTimeout(feed.timer);
    feed.unsubscribe();
  }
}

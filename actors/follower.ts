/**
 * Following a thread, for local and remote subscribers alike: a subscription is created at its
 * start position, caught up (from memory when the source has the events buffered, else from the
 * checkpoint in windows), attached to the source's live fan-out, paused by its sink's bound and
 * caught up again once the sink drains. The thread actor (ring buffer, local fan-out) and
 * LiveFeeds (live bus, remote owner) differ only in their `FollowSource`.
 */
import type { Logger } from "../src/ports/logger.ts";
import type { EventEntry, Position } from "./event-entry.ts";
import { type ReplaySource, replayAfter } from "./replay.ts";
import type { RingRead } from "./ring-buffer.ts";
import { type StreamSink, Subscription } from "./subscription.ts";

export interface FollowSource {
  threadId: string;
  replay: ReplaySource;
  logger: Logger;
  maxSubscriberBufferBytes: number;
  /** The thread's last seq, where a replay stops. */
  lastSeq(): number | Promise<number>;
  /** Buffered durable events after `position`; a miss (or none) goes to the checkpoint. */
  fromMemory?(position: Position): RingRead;
  /** Live batches reach `subscription` from now on (held while it catches up). */
  attach(subscription: Subscription): void;
  detach(subscription: Subscription): void;
}

export class Follower {
  constructor(private readonly source: FollowSource) {}

  follow(
    from: Position,
    sink: StreamSink,
    onDelivered: ((last: EventEntry) => void) | null = null,
  ): Subscription {
    const subscription = new Subscription(sink, from, this.source.maxSubscriberBufferBytes);
    subscription.onDelivered = onDelivered;
    subscription.onPause = (paused) => {
      this.source.detach(paused);
      sink.onDrain(() => this.catchUp(paused));
    };
    this.catchUp(subscription);
    return subscription;
  }

  /** Replays what `subscription` is missing, then lets it go live (also after a gap). */
  catchUp(subscription: Subscription): void {
    if (subscription.state === "closed") return;
    subscription.state = "catching_up";
    this.source.attach(subscription);
    const fromMemory = this.source.fromMemory?.(subscription.position);
    if (fromMemory?.kind === "events") {
      subscription.finishCatchUp(fromMemory.events);
      return;
    }
    const { threadId, replay, logger } = this.source;
    Promise.resolve(this.source.lastSeq())
      .then((lastSeq) => replayAfter(replay, threadId, subscription.position, lastSeq))
      .then(
        ({ entries, complete }) => {
          // A long backlog comes in windows: deliver this one, then read on from its end.
          if (complete) subscription.finishCatchUp(entries);
          else if (subscription.continueCatchUp(entries)) this.catchUp(subscription);
        },
        (error) => {
          logger.warn("replay failed", { thread: threadId, error });
          subscription.close("reconnect");
        },
      );
  }
}

/**
 * Streams of the actor core on memory ports: a follow that starts while a turn is live (from any
 * cursor) gets every later event once, in order; a follow after a restart replays from the
 * checkpoint; an expired log answers with stream.reset; a slow subscriber is paused and catches
 * up; a remote follower repairs a lost live batch from the checkpoint.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { compare, endOf, type Position } from "../../../actors/event-entry.ts";
import { LiveFeeds } from "../../../actors/live-feed.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import {
  actorHarness,
  type Harness,
  logOf,
  RecordingSink,
  send,
  until,
} from "../../support/actor-harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await actorHarness();
});
afterEach(() => h.close());

const ECHO = "spool/echo";

/** Every durable position of the thread after `after`, from the checkpoint. */
async function positionsAfter(threadId: string, after: Position, lastSeq: number) {
  const out: string[] = [];
  for (let seq = 1; seq <= lastSeq; seq++) {
    const log = await logOf(h, threadId, seq);
    log.forEach((_, offset) => {
      if (compare({ seq, offset }, after) > 0) out.push(`${seq}:${offset}`);
    });
  }
  return out;
}

describe("replay and live", () => {
  test("follows started mid-turn from various cursors see each later event once", async () => {
    const thread = await h.newThread();
    const actor = await h.actor(thread);
    const watcher = new RecordingSink();
    actor.follow(endOf(0), watcher);
    const ticket = await send(actor, { content: "x [chunks=300][delay_ms=1]", model: ECHO });
    const late: { after: Position; sink: RecordingSink }[] = [];
    for (const at of [5, 60, 150]) {
      await until(() => watcher.entries.length >= at);
      const seen = watcher.entries[at - 1]!;
      const after = { seq: seen.seq, offset: seen.offset };
      const sink = new RecordingSink();
      actor.follow(after, sink);
      late.push({ after, sink });
    }
    const fromStart = new RecordingSink();
    expect(actor.busySeq).toBe(ticket.assistantSeq);
    actor.follow(null, fromStart); // no cursor: from the running turn's start
    await ticket.settled;
    await actor.whenSettled(ticket.assistantSeq!);
    const lastSeq = actor.lastSeq;
    expect(watcher.positions()).toEqual(await positionsAfter(thread.id, endOf(0), lastSeq));
    for (const { after, sink } of late) {
      expect(sink.positions()).toEqual(await positionsAfter(thread.id, after, lastSeq));
    }
    expect(fromStart.positions()).toEqual(await positionsAfter(thread.id, endOf(1), lastSeq));
    expect(watcher.types().at(-1)).toBe("message.completed");
  });

  test("after a restart a cursor replays from the checkpoint, not from memory", async () => {
    const thread = await h.newThread();
    const first = await h.actor(thread);
    const ticket = await send(first, { content: "x [chunks=20][delay_ms=0]", model: ECHO });
    await ticket.settled;
    await first.stop("done");
    const actor = await h.actor(thread);
    expect(actor).not.toBe(first);
    const sink = new RecordingSink();
    const after = { seq: 2, offset: 4 };
    actor.follow(after, sink);
    await until(() => sink.types().at(-1) === "message.completed");
    expect(sink.positions()).toEqual(await positionsAfter(thread.id, after, 2));
  });

  test("a cursor into an expired log gets stream.reset with the message", async () => {
    const thread = await h.newThread();
    const first = await h.actor(thread);
    const ticket = await send(first, { content: "x [chunks=3][delay_ms=0]", model: ECHO });
    await ticket.settled;
    await first.stop("done");
    await h.clock.advance(h.deps.limits.dedupTtlMs + 1);
    const actor = await h.actor(thread);
    const sink = new RecordingSink();
    actor.follow({ seq: 2, offset: 1 }, sink);
    await until(() => sink.entries.length > 0);
    expect(sink.types()).toEqual(["stream.reset"]);
    const reset = JSON.parse(sink.entries[0]!.json) as { reason: string; message: { seq: number } };
    expect(reset.reason).toBe("expired");
    expect(reset.message.seq).toBe(2);
  });
});

describe("backpressure", () => {
  test("a subscriber over its buffer bound is paused, then catches up once drained", async () => {
    const thread = await h.newThread();
    const actor = await h.actor(thread);
    const slow = new RecordingSink();
    const send0 = slow.send.bind(slow);
    slow.send = (entries) => {
      send0(entries);
      slow.buffered = 1_000_000; // the socket is not draining
    };
    actor.follow(endOf(0), slow);
    const ticket = await send(actor, { content: "x [chunks=500][delay_ms=0]", model: ECHO });
    await ticket.settled;
    await actor.whenSettled(ticket.assistantSeq!);
    const all = await positionsAfter(thread.id, endOf(0), actor.lastSeq);
    expect(slow.entries.length).toBeGreaterThan(0);
    expect(slow.entries.length).toBeLessThan(all.length);
    slow.send = send0;
    slow.drain();
    await until(() => slow.entries.length >= all.length);
    expect(slow.positions()).toEqual(all);
  });
});

describe("remote followers", () => {
  test("a follower on another node repairs a lost live batch from the checkpoint", async () => {
    const thread = await h.newThread();
    const actor = await h.actor(thread);
    const feeds = new LiveFeeds({
      live: h.live,
      checkpoint: h.checkpoint,
      message: (t, s) => h.deps.history.message(t, s),
      clock: h.clock,
      logger: silentLogger,
      maxSubscriberBufferBytes: 1_000_000,
      watchEveryMs: 3_000,
      watchOwner: async () => actor.epoch,
    });
    const sink = new RecordingSink();
    await feeds.follow(thread, endOf(0), sink);
    const ticket = await send(actor, { content: "x [chunks=200][delay_ms=1]", model: ECHO });
    await until(() => sink.entries.length > 20);
    h.live.loseNext(2);
    await ticket.settled;
    await actor.whenSettled(ticket.assistantSeq!);
    const all = await positionsAfter(thread.id, endOf(0), actor.lastSeq);
    await until(() => sink.entries.length >= all.length);
    expect(sink.positions()).toEqual(all);
    feeds.closeAll("done");
  });
});

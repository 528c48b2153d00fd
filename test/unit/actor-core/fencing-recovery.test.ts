/**
 * Ownership on memory ports and the fake clock: a stale epoch cannot write, a node that cannot
 * renew stops writing by itself (lease guard) before Redis would refuse it, and the next owner
 * finalizes what the previous one left in progress as incomplete / interrupted.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { QUEUE_NAMES } from "../../../src/protocol/jobs.ts";
import {
  actorHarness,
  type Harness,
  LEASE,
  logOf,
  RecordingSink,
  send,
  tailMessage,
  until,
} from "../../support/actor-harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await actorHarness();
});
afterEach(() => h.close());

const ECHO = "spool/echo";

describe("fencing", () => {
  test("after another grant the old actor's writes are refused and it stops", async () => {
    const thread = await h.newThread();
    const actor = await h.actor(thread);
    await send(actor, { content: "one" });
    const sink = new RecordingSink();
    actor.follow(null, sink);
    h.leases.drop(thread.id); // the lease lapsed (a long pause) …
    const other = await h.leases.acquire(thread.id, "node-b", LEASE.ttlMs); // … and moved on
    expect(other.ok && other.epoch > actor.epoch).toBe(true);
    await expect(send(actor, { content: "two" })).rejects.toMatchObject({ code: "unavailable" });
    await until(() => actor.stopped);
    expect(await h.checkpoint.lastSeq(thread.id)).toBe(1);
    expect(sink.closeReason).toBe("reconnect");
  });

  test("a node that cannot renew stops writing by itself before the ttl runs out", async () => {
    const thread = await h.newThread();
    const actor = await h.actor(thread);
    await send(actor, { content: "one" });
    h.leases.renew = async () => {
      throw new Error("redis unreachable");
    };
    let appends = 0;
    const inner = h.checkpoint.appendMessages.bind(h.checkpoint);
    h.checkpoint.appendMessages = (input) => {
      appends++;
      return inner(input);
    };
    // Renewals keep failing; past the ttl less the drift allowance the lease is not provable,
    // so the write is refused here, without a round trip, and the actor stops.
    await h.clock.advance(LEASE.ttlMs * 0.9);
    await expect(send(actor, { content: "two" })).rejects.toMatchObject({ code: "unavailable" });
    expect(appends).toBe(0);
    await until(() => actor.stopped);
    expect(await h.checkpoint.lastSeq(thread.id)).toBe(1);
  });

  test("renewals keep a quiet actor's lease for many ttls", async () => {
    const thread = await h.newThread();
    const actor = await h.actor(thread);
    await h.clock.advance(LEASE.ttlMs * 5);
    expect(actor.stopped).toBe(false);
    expect((await h.leases.owner(thread.id))?.epoch).toBe(actor.epoch);
    expect((await send(actor, { content: "still mine" })).userSeq).toBe(1);
  });
});

describe("recovery", () => {
  test("the next owner finalizes an interrupted answer from its checkpointed log", async () => {
    const thread = await h.newThread();
    const first = await h.actor(thread);
    const ticket = await send(first, { content: "x [chunks=5000][delay_ms=1]", model: ECHO });
    const seq = ticket.assistantSeq!;
    const textSoFar = () => {
      const block = first.snapshot(seq)?.content[0];
      return block?.type === "text" ? block.text : "";
    };
    await until(() => textSoFar().length > 20);
    // The owner "dies": its lease vanishes and another node takes the thread.
    h.leases.drop(thread.id);
    const next = await h.otherHost("node-b").actorFor(thread);
    expect(next.epoch).toBeGreaterThan(first.epoch);
    await until(() => first.stopped);
    const message = await tailMessage(h, thread.id, seq);
    expect([message.status, message.stop_reason]).toEqual(["incomplete", "interrupted"]);
    expect(message.epoch).toBe(next.epoch);
    const log = await logOf(h, thread.id, seq);
    expect(log[log.length - 1]!.type).toBe("message.incomplete");
    const deltas = log
      .filter((e) => e.type === "block.delta")
      .map((e) => (e as { delta: { text: string } }).delta.text)
      .join("");
    expect((message.content[0] as { text: string }).text).toBe(deltas);
    expect(deltas.length).toBeGreaterThan(20);
    // Offsets in the log are the event positions: no gap, no duplicate.
    const cursors = log.map((e) => e.cursor);
    expect(cursors).toEqual(log.map((_, i) => `${seq}:${i}`));
    // Recovery queues persistence only; the persist job queues backfill and embedding once the
    // message is stored (workers/persist-message.ts), so no backfill job may be queued yet.
    await until(() => h.jobs.waiting(QUEUE_NAMES.persist).length > 0);
    expect(h.jobs.waiting(QUEUE_NAMES.backfill)).toEqual([]);
    const persisted = h.jobs.waiting(QUEUE_NAMES.persist).map((j) => j.refs[0]!);
    expect(persisted).toContainEqual({ threadId: thread.id, seq, rev: message.rev });
    // The new owner goes on with the next seq.
    expect((await send(next, { content: "after" })).userSeq).toBe(seq + 1);
  });

  test("settled tail entries are queued for persistence again on takeover", async () => {
    const thread = await h.newThread();
    const first = await h.actor(thread);
    await send(first, { content: "a" });
    await send(first, { content: "b" });
    await first.stop("done");
    h.jobs.take();
    await h.otherHost("node-b").actorFor(thread);
    await until(() => h.jobs.waiting(QUEUE_NAMES.persist).length > 0);
    // One job for the highest seq: a persist job copies every settled entry of the tail.
    const refs = h.jobs.waiting(QUEUE_NAMES.persist).flatMap((j) => j.refs.map((r) => r.seq));
    expect(refs).toEqual([2]);
  });
});

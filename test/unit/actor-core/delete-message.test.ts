/**
 * ThreadActor.deleteMessage on memory ports: the erased version (next rev, empty content, status
 * `deleted`, usage kept) reaches the tail, the store and the model context; the ring and the
 * checkpoint log forget it, so a replay gives `stream.reset`; the message being generated is
 * 409; a stale owner cannot erase (fenced, like every write).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  actorHarness,
  type Harness,
  LEASE,
  RecordingSink,
  send,
  tailMessage,
  until,
} from "../../support/actor-harness.ts";
import { messageRecord } from "../../support/records.ts";

let h: Harness;
beforeEach(async () => {
  h = await actorHarness();
});
afterEach(() => h.close());

const ECHO = "spool/echo";

describe("delete one message", () => {
  test("tail, store and replay lose the content; seq and usage stay", async () => {
    const thread = await h.newThread();
    const actor = await h.actor(thread);
    const turn = await send(actor, { content: "secret words", model: ECHO });
    await turn.settled;
    const before = await tailMessage(h, thread.id, 2);
    const erased = await actor.deleteMessage(2);
    expect(erased).toMatchObject({ seq: 2, status: "deleted", content: [], usage: before.usage });
    const tail = await tailMessage(h, thread.id, 2);
    expect(tail).toMatchObject({ status: "deleted", rev: before.rev + 1, epoch: actor.epoch });
    expect(await h.store.getMessage(thread.id, 2)).toMatchObject({
      status: "deleted",
      content: [],
    });
    expect(await h.checkpoint.readEvents(thread.id, 2, 0)).toBeNull();
    // A replay from the start: seq 1 from the checkpoint, seq 2 as a reset, never its deltas.
    const sink = new RecordingSink();
    actor.follow({ seq: 0, offset: Number.MAX_SAFE_INTEGER }, sink);
    await until(() => sink.types().includes("stream.reset"));
    expect(sink.types()).toEqual(["message.created", "stream.reset"]);
    const ofErased = sink.entries.filter((e) => e.seq === 2).map((e) => e.json);
    expect(ofErased.join("")).not.toContain("secret"); // echo answered with the user's words
    expect(JSON.stringify(before.content)).toContain("secret");
    expect(actor.lastSeq).toBe(2);
  });

  test("the message being generated is 409 thread_busy; a missing one is 404", async () => {
    const thread = await h.newThread();
    const actor = await h.actor(thread);
    await send(actor, { content: "[chunks=500] [delay_ms=5]", model: ECHO });
    await until(() => actor.busySeq === 2);
    await expect(actor.deleteMessage(2)).rejects.toMatchObject({ code: "thread_busy" });
    expect((await actor.deleteMessage(1)).status).toBe("deleted"); // while the turn runs
    await expect(actor.deleteMessage(3)).rejects.toMatchObject({ code: "not_found" });
    await expect(actor.deleteMessage(0)).rejects.toMatchObject({ code: "not_found" });
    actor.cancel(2);
    await actor.whenSettled(2);
  });

  test("a stale owner cannot erase", async () => {
    const thread = await h.newThread();
    const actor = await h.actor(thread);
    await send(actor, { content: "one" });
    h.leases.drop(thread.id);
    const other = await h.leases.acquire(thread.id, "node-b", LEASE.ttlMs);
    expect(other.ok).toBe(true);
    await expect(actor.deleteMessage(1)).rejects.toMatchObject({ code: "unavailable" });
    expect((await tailMessage(h, thread.id, 1)).status).toBe("completed");
  });

  test("a compaction summary covering the erased message is erased too; earlier ones stay", async () => {
    const thread = await h.newThread();
    const actor = await h.actor(thread);
    for (const content of ["one", "two", "secret three", "four"]) await send(actor, { content });
    const summary = (seq: number, covers: number) =>
      messageRecord(thread, seq, {
        role: "summary",
        content: [{ type: "text", text: `summary through ${covers}` }],
        covers_through_seq: covers,
        parent_seq: covers,
      });
    // Written as compaction would have: seqs after the messages they cover.
    await actor.stop();
    await h.store.upsertMessages([
      messageRecord(thread, 5, { content: [{ type: "text", text: "five" }] }),
      summary(6, 2),
      summary(7, 5),
    ]);
    const owner = await h.actor(thread);
    await owner.deleteMessage(3);
    expect(await h.store.getMessage(thread.id, 6)).toMatchObject({ status: "completed" });
    expect(await h.store.getMessage(thread.id, 7)).toMatchObject({
      status: "deleted",
      content: [],
    });
  });
});

/**
 * The actor core's turns on memory ports (test/support/actor-harness.ts): seq order under
 * concurrent sends, request-id retries, group commit, cancel, on_busy queue / reject / interrupt,
 * and the client-tool wait timing out on the fake clock.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  actorHarness,
  type Harness,
  logOf,
  send,
  TOOL_WAIT_MS,
  tailMessage,
  until,
} from "../../support/actor-harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await actorHarness();
});
afterEach(() => h.close());

const ECHO = "spool/echo";

describe("seq order", () => {
  test("50 concurrent appends get seqs 1…50, gapless, each once, in arrival order", async () => {
    const actor = await h.actor(await h.newThread());
    const tickets = await Promise.all(
      Array.from({ length: 50 }, (_, i) => send(actor, { content: `m${i}` })),
    );
    expect(tickets.map((t) => t.userSeq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const tail = await h.checkpoint.readTail(actor.thread.id);
    expect(tail.map((r) => r.seq)).toEqual(tickets.map((t) => t.userSeq));
    expect(tail.map((r) => (r.content[0] as { text: string }).text)).toEqual(
      tickets.map((_, i) => `m${i}`),
    );
  });

  test("a retried request id gets its turn back; another body under it is refused", async () => {
    const actor = await h.actor(await h.newThread());
    const first = await send(actor, { content: "hi", request_id: "r1" });
    const [again, concurrent] = await Promise.all([
      send(actor, { content: "hi", request_id: "r1" }),
      send(actor, { content: "hi", request_id: "r1" }),
    ]);
    expect(again.userSeq).toBe(first.userSeq);
    expect(concurrent.userSeq).toBe(first.userSeq);
    expect(again.duplicate).toBe(true);
    await expect(send(actor, { content: "other", request_id: "r1" })).rejects.toMatchObject({
      code: "idempotency_key_mismatch",
    });
    expect(await h.checkpoint.lastSeq(actor.thread.id)).toBe(1);
  });

  test("turns with a model interleave nothing: each assistant follows its user message", async () => {
    const actor = await h.actor(await h.newThread());
    const tickets = await Promise.all(
      ["a", "b", "c"].map((c) =>
        send(actor, { content: `${c} [chunks=5][delay_ms=0]`, model: ECHO }),
      ),
    );
    await Promise.all(tickets.map((t) => t.settled));
    expect(tickets.map((t) => [t.userSeq, t.assistantSeq])).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    for (const t of tickets) {
      const assistant = await tailMessage(h, actor.thread.id, t.assistantSeq!);
      expect(assistant.status).toBe("completed");
      expect((assistant.content[0] as { text: string }).text.trim().split(/\s+/).length).toBe(5);
    }
  });
});

describe("group commit", () => {
  test("events pushed while a write is in flight go out as one batch", async () => {
    let calls = 0;
    let events = 0;
    const inner = h.checkpoint.appendEvents.bind(h.checkpoint);
    h.checkpoint.appendEvents = async (threadId, epoch, batches) => {
      calls++;
      events += batches.reduce((n, b) => n + b.events.length, 0);
      await new Promise((r) => setTimeout(r, 3)); // a round trip
      return inner(threadId, epoch, batches);
    };
    const actor = await h.actor(await h.newThread());
    const ticket = await send(actor, { content: "x [chunks=400][delay_ms=0]", model: ECHO });
    await ticket.settled;
    const log = await logOf(h, actor.thread.id, ticket.assistantSeq!);
    expect(events).toBe((await logOf(h, actor.thread.id, 1)).length + log.length);
    expect(log.filter((e) => e.type === "block.delta").length).toBe(400);
    // One write per event would be 400+ calls; batching forms while each write is in flight.
    expect(calls).toBeLessThan(events / 4);
  });
});

describe("cancel", () => {
  test("cancel stops a running generation: incomplete / cancelled, content kept", async () => {
    const actor = await h.actor(await h.newThread());
    const ticket = await send(actor, { content: "x [chunks=5000][delay_ms=1]", model: ECHO });
    const seq = ticket.assistantSeq!;
    await until(() => (actor.snapshot(seq)?.content.length ?? 0) > 0);
    expect(actor.cancel(seq)).toBe(true);
    await ticket.settled;
    await actor.whenSettled(seq);
    const message = await tailMessage(h, actor.thread.id, seq);
    expect(message.status).toBe("incomplete");
    expect(message.stop_reason).toBe("cancelled");
    expect(message.content.length).toBe(1);
    const log = await logOf(h, actor.thread.id, seq);
    expect(log[log.length - 1]!.type).toBe("message.incomplete");
    expect(log.filter((e) => e.type === "block.stop").length).toBe(1);
    expect(actor.cancel(seq)).toBe(false);
    expect(actor.cancel(99)).toBe(false);
  });
});

describe("on_busy", () => {
  test("queue (default): the next turn waits; its user message follows the answer", async () => {
    const actor = await h.actor(await h.newThread());
    const first = await send(actor, { content: "a [chunks=30][delay_ms=1]", model: ECHO });
    const second = await send(actor, { content: "b [chunks=3][delay_ms=0]", model: ECHO });
    expect(second.userSeq).toBe(3);
    await second.settled;
    const answer = await tailMessage(h, actor.thread.id, first.assistantSeq!);
    expect(answer.status).toBe("completed");
    expect(Date.parse(answer.completed_at!)).toBeLessThanOrEqual(
      Date.parse((await tailMessage(h, actor.thread.id, 3)).created_at),
    );
  });

  test("reject: thread_busy with the running seq, nothing recorded", async () => {
    const actor = await h.actor(await h.newThread());
    const first = await send(actor, { content: "a [chunks=5000][delay_ms=1]", model: ECHO });
    await until(() => actor.busySeq !== null);
    await expect(
      send(actor, { content: "b", model: ECHO, on_busy: "reject" }),
    ).rejects.toMatchObject({ code: "thread_busy", details: { busy_seq: first.assistantSeq } });
    expect(await h.checkpoint.lastSeq(actor.thread.id)).toBe(2);
    actor.cancel(first.assistantSeq!);
    await first.settled;
  });

  test("interrupt: the running answer is cancelled and the new turn runs", async () => {
    const actor = await h.actor(await h.newThread());
    const first = await send(actor, { content: "a [chunks=5000][delay_ms=1]", model: ECHO });
    await until(() => actor.busySeq !== null);
    const second = await send(actor, {
      content: "b [chunks=2][delay_ms=0]",
      model: ECHO,
      on_busy: "interrupt",
    });
    await second.settled;
    const interrupted = await tailMessage(h, actor.thread.id, first.assistantSeq!);
    expect([interrupted.status, interrupted.stop_reason]).toEqual(["incomplete", "cancelled"]);
    expect((await tailMessage(h, actor.thread.id, second.assistantSeq!)).status).toBe("completed");
    expect(second.userSeq).toBe(first.assistantSeq! + 1);
  });
});

describe("client tools on the fake clock", () => {
  test("a wait for tool results ends incomplete / tool_wait_timeout after the limit", async () => {
    const actor = await h.actor(await h.newThread());
    const ticket = await send(actor, {
      content: 'x [tool:lookup {"q":1}]',
      model: ECHO,
      tools: [{ name: "lookup", input_schema: { type: "object" } }],
    });
    await ticket.settled; // settles when the turn waits for the client
    const seq = ticket.assistantSeq!;
    expect((await logOf(h, actor.thread.id, seq)).some((e) => e.type === "tool.waiting")).toBe(
      true,
    );
    await h.clock.advance(TOOL_WAIT_MS - 1);
    expect((await tailMessage(h, actor.thread.id, seq)).status).toBe("in_progress");
    await h.clock.advance(1);
    await actor.whenSettled(seq);
    const message = await tailMessage(h, actor.thread.id, seq);
    expect([message.status, message.stop_reason]).toEqual(["incomplete", "tool_wait_timeout"]);
  });

  test("answered tool calls continue the turn with a tool message and a new answer", async () => {
    const actor = await h.actor(await h.newThread());
    const ticket = await send(actor, {
      content: 'x [tool:lookup {"q":1}]',
      model: ECHO,
      tools: [{ name: "lookup", input_schema: { type: "object" } }],
    });
    await ticket.settled;
    const toolUse = actor
      .snapshot(ticket.assistantSeq!)!
      .content.find((b) => b.type === "tool_use");
    expect(toolUse?.type).toBe("tool_use");
    actor.submitToolResult((toolUse as { id: string }).id, "42", false);
    await until(() => actor.busySeq === null && actor.lastSeq === 4);
    await actor.whenSettled(4);
    expect((await tailMessage(h, actor.thread.id, 3)).role).toBe("tool");
    expect((await tailMessage(h, actor.thread.id, 4)).status).toBe("completed");
    expect(() => actor.submitToolResult("nope", "1", false)).toThrow();
  });
});

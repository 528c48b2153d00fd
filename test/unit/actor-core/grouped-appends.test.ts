/**
 * Grouped appends in the actor core (issue 17), on memory ports: append-only sends queued behind a
 * running append reach the store as one group; each keeps its own outcome (a seq_conflict or bad
 * parent_seq fails only that send), seqs stay gapless in mailbox order, parents follow the head at
 * each send's turn, turns keep their place, a fenced group fails every send in it.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { AppendGroupInput } from "../../../src/ports/checkpoint.ts";
import type { SendBody } from "../../../src/protocol/requests.ts";
import { actorHarness, type Harness, LEASE, send, until } from "../../support/actor-harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await actorHarness();
});
afterEach(() => h.close());

const ECHO = "spool/echo";

/**
 * Records each grouped call's request count; while `hold` is set, calls wait for its release;
 * `before` runs as a call reaches the store (past the lease guard).
 */
function watchGroups(
  harness: Harness,
  before: (call: number) => Promise<void> = async () => undefined,
) {
  const calls: number[] = [];
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  const inner = harness.checkpoint.appendMessageGroup.bind(harness.checkpoint);
  harness.checkpoint.appendMessageGroup = async (input: AppendGroupInput) => {
    calls.push(input.requests.length);
    if (gate) await gate;
    await before(calls.length);
    return inner(input);
  };
  return {
    calls,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release() {
      gate = null;
      open();
    },
  };
}

/** Waits until the first send's group call is in the store, held there (`hold` set before). */
async function held<T>(groups: ReturnType<typeof watchGroups>, first: Promise<T>): Promise<void> {
  void first.catch(() => undefined); // its outcome is asserted by the test
  await until(() => groups.calls.length === 1);
}

const settle = (sends: Promise<unknown>[]) => Promise.allSettled(sends);
const text = (i: number) => ({ content: `m${i}` }) satisfies SendBody;

describe("grouped appends", () => {
  test("sends queued behind a running append go to the store in one call, in order", async () => {
    const actor = await h.actor(await h.newThread());
    const groups = watchGroups(h);
    groups.hold();
    const first = send(actor, text(0));
    await held(groups, first);
    const rest = Array.from({ length: 49 }, (_, i) => send(actor, text(i + 1)));
    await Bun.sleep(20); // every send reaches the mailbox (memory ports answer at once)
    groups.release();
    const tickets = await Promise.all([first, ...rest]);
    expect(groups.calls).toEqual([1, 49]);
    expect(tickets.map((t) => t.userSeq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const tail = await h.checkpoint.readTail(actor.thread.id);
    expect(tail.map((r) => (r.content[0] as { text: string }).text)).toEqual(
      tail.map((_, i) => `m${i}`),
    );
    expect(tail.map((r) => r.parent_seq)).toEqual(tail.map((r) => (r.seq > 1 ? r.seq - 1 : null)));
    expect(actor.lastSeq).toBe(50);
  });

  test("a refusal fails only its send; the ones after it are built again, gapless", async () => {
    const actor = await h.actor(await h.newThread());
    const groups = watchGroups(h);
    groups.hold();
    const first = send(actor, text(0));
    await held(groups, first);
    const sends = [
      // Each with a request id, so each reaches the mailbox after the same steps, in this order.
      send(actor, { content: "conflict", if_last_seq: 0, request_id: "r0" }),
      send(actor, { content: "a", request_id: "ra" }),
      send(actor, { content: "b", if_last_seq: 2, request_id: "rb" }),
      send(actor, { content: "bad parent", parent_seq: 99, request_id: "r9" }),
      send(actor, { content: "c", request_id: "rc" }),
    ];
    await Bun.sleep(20); // every send reaches the mailbox (memory ports answer at once)
    groups.release();
    const [conflict, a, b, bad, c] = await settle(sends);
    expect((await first).userSeq).toBe(1);
    expect(conflict).toMatchObject({ status: "rejected", reason: { code: "seq_conflict" } });
    expect(bad).toMatchObject({ status: "rejected", reason: { code: "validation_failed" } });
    expect(
      [a, b, c].map((r) => (r as PromiseFulfilledResult<{ userSeq: number }>).value.userSeq),
    ).toEqual([2, 3, 4]);
    // The first call, one group of the four that build, then the three after the refusal again.
    expect(groups.calls).toEqual([1, 4, 3]);
    expect((await h.checkpoint.readTail(actor.thread.id)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(await h.checkpoint.findRequest(actor.thread.id, "ra")).toMatchObject({ seqs: [2] });
    expect(actor.lastSeq).toBe(4);
    // The next send sees the writer's state exactly.
    expect((await send(actor, { content: "d", if_last_seq: 4 })).userSeq).toBe(5);
  });

  test("each send follows the head at its turn; a parent_seq branches and moves it", async () => {
    const actor = await h.actor(await h.newThread());
    await send(actor, text(0));
    const groups = watchGroups(h);
    groups.hold();
    const first = send(actor, text(1));
    await held(groups, first);
    const sends = [send(actor, { content: "branch", parent_seq: 1 }), send(actor, text(3))];
    await Bun.sleep(20); // every send reaches the mailbox (memory ports answer at once)
    groups.release();
    await Promise.all([first, ...sends]);
    expect(groups.calls).toEqual([1, 2]);
    const tail = await h.checkpoint.readTail(actor.thread.id);
    expect(tail.map((r) => [r.seq, r.parent_seq])).toEqual([
      [1, null],
      [2, 1],
      [3, 1],
      [4, 3],
    ]);
  });

  test("a turn keeps its place between appends: no group reaches past it", async () => {
    const actor = await h.actor(await h.newThread());
    const groups = watchGroups(h);
    groups.hold();
    const first = send(actor, text(0));
    await held(groups, first);
    const before = send(actor, text(1));
    const turn = send(actor, { content: "go [chunks=3][delay_ms=0]", model: ECHO });
    const after = send(actor, text(2));
    await Bun.sleep(20); // every send reaches the mailbox (memory ports answer at once)
    groups.release();
    const [a, b, t, c] = await Promise.all([first, before, turn, after]);
    await t.settled;
    expect([a.userSeq, b.userSeq, t.userSeq, t.assistantSeq, c.userSeq]).toEqual([1, 2, 3, 4, 5]);
    expect(groups.calls).toEqual([1, 1, 1]);
  });

  test("a retried request id returns its original seq, queued or recorded", async () => {
    const actor = await h.actor(await h.newThread());
    const groups = watchGroups(h);
    groups.hold();
    const first = send(actor, text(0));
    await held(groups, first);
    const sends = Promise.all([
      send(actor, { content: "x", request_id: "rx" }),
      send(actor, { content: "x", request_id: "rx" }),
    ]);
    await Bun.sleep(20); // every send reaches the mailbox (memory ports answer at once)
    groups.release();
    const [x, again] = await sends;
    await first;
    // Both reached the group before either was recorded: the store answers the second duplicate.
    expect(groups.calls).toEqual([1, 2]);
    expect([x, again].map((t) => [t.userSeq, t.duplicate])).toEqual([
      [2, false],
      [2, true],
    ]);
    const later = await send(actor, { content: "x", request_id: "rx" });
    expect(later).toMatchObject({ userSeq: 2, duplicate: true });
    expect(await h.checkpoint.lastSeq(actor.thread.id)).toBe(2);
  });

  test("a fenced group fails every send in it and stops the actor", async () => {
    const thread = await h.newThread();
    const actor = await h.actor(thread);
    // The lease moves on while the group is on its way (past the guard): the store fences it.
    const groups = watchGroups(h, async (call) => {
      if (call !== 2) return;
      h.leases.drop(thread.id);
      expect((await h.leases.acquire(thread.id, "node-b", LEASE.ttlMs)).ok).toBe(true);
    });
    groups.hold();
    const first = send(actor, text(0));
    await held(groups, first);
    const sends = [send(actor, text(1)), send(actor, text(2)), send(actor, text(3))];
    await Bun.sleep(20); // every send reaches the mailbox (memory ports answer at once)
    groups.release();
    expect((await first).userSeq).toBe(1);
    const outcomes = await settle(sends);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ status: "rejected", reason: { code: "unavailable" } });
    }
    await until(() => actor.stopped);
    expect(groups.calls).toEqual([1, 3]);
    expect(await h.checkpoint.lastSeq(thread.id)).toBe(1);
  });
});

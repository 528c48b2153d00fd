import { describe, expect, test } from "bun:test";
import { type EventEntry, endOf, entryOf } from "../../actors/event-entry.ts";
import { RingBuffer } from "../../actors/ring-buffer.ts";

const entry = (seq: number, offset: number): EventEntry =>
  entryOf(seq, offset, `${seq}:${offset}`, false);
const positions = (events: EventEntry[]) => events.map((e) => e.json);

describe("ring buffer", () => {
  test("reads strictly after a position, across messages", () => {
    const ring = new RingBuffer(endOf(0), 16);
    for (const [seq, count] of [
      [1, 1],
      [2, 4],
    ] as const)
      for (let o = 0; o < count; o++) ring.push(entry(seq, o));
    const read = ring.readAfter({ seq: 2, offset: 1 });
    expect(read.kind === "events" && positions(read.events)).toEqual(["2:2", "2:3"]);
    const all = ring.readAfter(endOf(0));
    expect(all.kind === "events" && all.events.length).toBe(5);
    const none = ring.readAfter({ seq: 2, offset: 3 });
    expect(none.kind === "events" && none.events.length).toBe(0);
  });

  test("a position older than what was evicted is a miss, never a silent gap", () => {
    const ring = new RingBuffer(endOf(0), 4);
    for (let o = 0; o < 10; o++) ring.push(entry(1, o));
    expect(ring.readAfter({ seq: 1, offset: 2 }).kind).toBe("miss");
    const read = ring.readAfter({ seq: 1, offset: 5 });
    expect(read.kind === "events" && positions(read.events)).toEqual(["1:6", "1:7", "1:8", "1:9"]);
  });

  test("positions before the floor it started with are a miss", () => {
    const ring = new RingBuffer(endOf(7), 4);
    expect(ring.readAfter({ seq: 7, offset: 3 }).kind).toBe("miss");
    expect(ring.readAfter(endOf(7)).kind).toBe("events");
  });

  test("dropThrough forgets an erased message: reads from before it miss, later ones still serve", () => {
    const ring = new RingBuffer(endOf(0), 4);
    // Wrapped first, so the rebuild is tested from a rotated buffer.
    for (const [seq, o] of [
      [1, 0],
      [2, 0],
      [2, 1],
      [3, 0],
      [3, 1],
      [4, 0],
    ] as const)
      ring.push(entry(seq, o));
    ring.dropThrough(3);
    expect(ring.readAfter(endOf(1)).kind).toBe("miss");
    expect(ring.readAfter({ seq: 3, offset: 0 }).kind).toBe("miss");
    const after = ring.readAfter(endOf(3));
    expect(after.kind === "events" && positions(after.events)).toEqual(["4:0"]);
    for (let o = 0; o < 5; o++) ring.push(entry(5, o));
    const latest = ring.readAfter({ seq: 5, offset: 0 });
    expect(latest.kind === "events" && positions(latest.events)).toEqual([
      "5:1",
      "5:2",
      "5:3",
      "5:4",
    ]);
    expect(ring.size).toBe(4);
  });
});

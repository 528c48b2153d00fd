import { describe, expect, test } from "bun:test";
import { CheckpointWriter, toBatches } from "../../actors/checkpoint-writer.ts";
import { type EventEntry, entryOf } from "../../actors/event-entry.ts";
import type { EventBatch, Fenced } from "../../src/ports/checkpoint.ts";

const entry = (seq: number, offset: number, final = false): EventEntry =>
  entryOf(seq, offset, `e${seq}.${offset}`, final);

describe("checkpoint writer", () => {
  test("one write in flight; events pushed meanwhile form the next batch; delivery only after durable", async () => {
    const writes: EventBatch[][] = [];
    const durable: string[] = [];
    let release: (() => void) | null = null;
    const writer = new CheckpointWriter({
      write: (batches) => {
        writes.push(batches);
        return new Promise<Fenced>((resolve) => {
          release = () => resolve({ ok: true });
        });
      },
      onDurable: (entries) => durable.push(...entries.map((e) => e.json)),
      onFailure: () => undefined,
      closedLogTtlMs: 1000,
    });
    writer.push(entry(1, 0));
    for (let o = 1; o < 50; o++) writer.push(entry(1, o));
    expect(writes.length).toBe(1);
    expect(durable).toEqual([]);
    release!();
    await Bun.sleep(0);
    expect(durable.length).toBe(1);
    expect(writes.length).toBe(2);
    expect(writes[1]![0]!.events.length).toBe(49);
    release!();
    await writer.flushed();
    expect(durable.length).toBe(50);
  });

  test("a fenced write stops the writer and delivers nothing of it", async () => {
    const failures: string[] = [];
    const durable: EventEntry[] = [];
    const writer = new CheckpointWriter({
      write: async () => ({ ok: false, reason: "stale_epoch" }),
      onDurable: (entries) => durable.push(...entries),
      onFailure: (reason) => failures.push(reason),
      closedLogTtlMs: 1000,
    });
    writer.push(entry(1, 0));
    await writer.flushed();
    writer.push(entry(1, 1));
    await writer.flushed();
    expect(failures).toEqual(["fenced"]);
    expect(durable).toEqual([]);
    expect(writer.failed).toBe(true);
  });

  test("batches split per message and the closing batch sets the log's expiry", () => {
    const batches = toBatches([entry(4, 0, true), entry(5, 0), entry(5, 1)], 777);
    expect(batches.map((b) => [b.seq, b.firstOffset, b.events.length, b.expireAfterMs])).toEqual([
      [4, 0, 1, 777],
      [5, 0, 2, undefined],
    ]);
  });
});

/**
 * The LiveBus contract (ports/live-bus.ts), run on Redis and on memory: once `subscribe`
 * resolves, batches published on the thread arrive in publish order with their positions; other
 * threads' batches do not; after unsubscribing nothing more arrives.
 */
import { describe, expect } from "bun:test";
import type { LiveEntry } from "../../src/ports/live-bus.ts";
import { freshId } from "../support/records.ts";
import { type ContractOptions, contractKit, type StoreFactory } from "./contract-kit.ts";
import { eventually, type HotTierPorts } from "./hot-tier-kit.ts";

const entry = (seq: number, offset: number, final = false): LiveEntry => ({
  seq,
  offset,
  json: `{"type":"block.delta","n":${offset}}`,
  final,
});

export function liveBusContract(
  name: string,
  factory: StoreFactory<HotTierPorts>,
  options: ContractOptions = {},
): void {
  describe(`LiveBus contract: ${name}`, () => {
    const kit = contractKit(factory, options);

    kit.test("batches arrive in publish order, positions and flags intact", async (p) => {
      const thread = freshId("thr");
      const got: LiveEntry[][] = [];
      const unsubscribe = await p.live.subscribe(thread, (entries) => got.push(entries));
      for (let i = 0; i < 20; i++) p.live.publish(thread, [entry(1, 2 * i), entry(1, 2 * i + 1)]);
      p.live.publish(thread, [entry(1, 40, true)]);
      await eventually(() => got.length === 21);
      expect(got.flat().map((e) => e.offset)).toEqual(Array.from({ length: 41 }, (_, i) => i));
      expect(got[20]).toEqual([entry(1, 40, true)]);
      unsubscribe();
    });

    kit.test("two subscribers both receive; other threads stay apart", async (p) => {
      const thread = freshId("thr");
      const other = freshId("thr");
      const a: LiveEntry[] = [];
      const b: LiveEntry[] = [];
      const c: LiveEntry[] = [];
      const offA = await p.live.subscribe(thread, (e) => a.push(...e));
      const offB = await p.live.subscribe(thread, (e) => b.push(...e));
      const offC = await p.live.subscribe(other, (e) => c.push(...e));
      p.live.publish(thread, [entry(3, 0)]);
      await eventually(() => a.length === 1 && b.length === 1);
      expect(c).toEqual([]);
      offA();
      offB();
      offC();
    });

    kit.test("after unsubscribing nothing more arrives", async (p) => {
      const thread = freshId("thr");
      const kept: LiveEntry[] = [];
      const dropped: LiveEntry[] = [];
      const offKept = await p.live.subscribe(thread, (e) => kept.push(...e));
      const offDropped = await p.live.subscribe(thread, (e) => dropped.push(...e));
      offDropped();
      p.live.publish(thread, [entry(1, 0)]);
      p.live.publish(thread, [entry(1, 1)]);
      await eventually(() => kept.length === 2);
      expect(dropped).toEqual([]);
      offKept();
    });

    kit.checkSkips();
  });
}

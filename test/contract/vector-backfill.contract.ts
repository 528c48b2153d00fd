/**
 * The VectorBackfill contract (ports/vector-backfill.ts): pages of documents without a vector in
 * key order from a stored cursor; `store` writes vectors and moves the cursor atomically under a
 * run lease, skips documents changed or deleted since read, and a second holder is refused while
 * the lease is live. Documents are seeded through the adapter's SearchIndex with no vector.
 */
import { describe, expect } from "bun:test";
import type { SearchDocument, SearchIndex } from "../../src/ports/search.ts";
import type { VectorBackfill } from "../../src/ports/vector-backfill.ts";
import { searchDocument } from "../support/records.ts";
import { type ContractOptions, contractKit, type StoreFactory } from "./contract-kit.ts";

export interface BackfillPorts {
  index: SearchIndex;
  backfill: VectorBackfill;
  /** Another process's handle on the same store. */
  peer: VectorBackfill;
  dimensions: number;
}

const TTL_MS = 30_000;
const T0 = 1_000_000;

function doc(thread: string, text: string, vector: Float32Array | null = null): SearchDocument {
  return searchDocument("ten_backfill", thread, text, vector);
}

function unit(dimensions: number, axis = 0): Float32Array {
  const vector = new Float32Array(dimensions);
  vector[axis] = 1;
  return vector;
}

export function vectorBackfillContract(
  name: string,
  factory: StoreFactory<BackfillPorts>,
  options: ContractOptions = {},
): void {
  describe(`VectorBackfill contract: ${name}`, () => {
    const kit = contractKit(factory, options);

    kit.test(
      "pages hold only documents without a vector, in key order, up to the limit",
      async (p) => {
        await p.index.index([doc("thr_a", "alpha"), doc("thr_b", "beta", unit(p.dimensions))]);
        await p.index.index([doc("thr_c", "gamma"), doc("thr_d", "delta")]);
        expect(await p.backfill.cursor()).toBe(0);
        expect(await p.backfill.remaining()).toBe(3);
        const first = await p.backfill.nextPage(2);
        expect(first.documents.map((d) => d.text)).toEqual(["alpha", "gamma"]);
        expect(first.end).toBe(false);
        expect(first.documents[0]!.key).toBeLessThan(first.documents[1]!.key);
        expect(first.through).toBe(first.documents[1]!.key);
      },
    );

    kit.test(
      "store writes the vectors and moves the cursor: the walk goes on after them",
      async (p) => {
        await p.index.index([doc("thr_a", "alpha"), doc("thr_b", "beta"), doc("thr_c", "gamma")]);
        expect(await p.backfill.claim("run-1", TTL_MS, T0)).toBe(true);
        const page = await p.backfill.nextPage(2);
        const vectors = page.documents.map((document) => ({
          document,
          vector: unit(p.dimensions),
        }));
        expect(await p.backfill.store("run-1", vectors, page.through, TTL_MS, T0)).toEqual({
          ok: true,
          written: 2,
        });
        expect(await p.backfill.cursor()).toBe(page.through);
        expect(await p.backfill.remaining()).toBe(1);
        // Another handle (a restarted process) resumes at the stored cursor.
        const next = await p.peer.nextPage(2);
        expect(next.documents.map((d) => d.text)).toEqual(["gamma"]);
        expect(next.end).toBe(true);
        // The same vectors stored twice write nothing the second time.
        expect(await p.backfill.store("run-1", vectors, page.through, TTL_MS, T0)).toEqual({
          ok: true,
          written: 0,
        });
      },
    );

    kit.test("a document re-indexed or deleted since it was read is not overwritten", async (p) => {
      await p.index.index([doc("thr_a", "alpha"), doc("thr_b", "beta")]);
      expect(await p.backfill.claim("run-1", TTL_MS, T0)).toBe(true);
      const page = await p.backfill.nextPage(10);
      await p.index.index([doc("thr_a", "alpha edited")]);
      await p.index.deleteThread("ten_backfill", "thr_b");
      const vectors = page.documents.map((document) => ({ document, vector: unit(p.dimensions) }));
      const stored = await p.backfill.store("run-1", vectors, page.through, TTL_MS, T0);
      expect(stored).toEqual({ ok: true, written: 0 });
      // The edit came with no vector: it is still pending, after the cursor or not.
      expect(await p.backfill.remaining()).toBe(1);
    });

    kit.test(
      "one run at a time: a live lease refuses another holder, a lapsed one does not",
      async (p) => {
        await p.index.index([doc("thr_a", "alpha")]);
        expect(await p.backfill.claim("run-1", TTL_MS, T0)).toBe(true);
        expect(await p.peer.claim("run-2", TTL_MS, T0 + 1)).toBe(false);
        expect(await p.backfill.claim("run-1", TTL_MS, T0 + 2)).toBe(true);
        await p.peer.release("run-2");
        expect(await p.peer.claim("run-2", TTL_MS, T0 + 3)).toBe(false);
        // run-1 died: its lease lapses, run-2 takes over and run-1's late write is refused.
        expect(await p.peer.claim("run-2", TTL_MS, T0 + 2 + TTL_MS + 1)).toBe(true);
        const page = await p.backfill.nextPage(10);
        const vectors = page.documents.map((document) => ({
          document,
          vector: unit(p.dimensions),
        }));
        const late = await p.backfill.store(
          "run-1",
          vectors,
          page.through,
          TTL_MS,
          T0 + TTL_MS + 3,
        );
        expect(late).toEqual({ ok: false, reason: "lease_lost" });
        expect(await p.backfill.cursor()).toBe(0);
        expect(await p.backfill.remaining()).toBe(1);
        await p.peer.release("run-2");
        expect(await p.backfill.claim("run-3", TTL_MS, T0 + TTL_MS + 4)).toBe(true);
      },
    );

    kit.test("a vector of the wrong length is refused before anything is written", async (p) => {
      await p.index.index([doc("thr_a", "alpha")]);
      expect(await p.backfill.claim("run-1", TTL_MS, T0)).toBe(true);
      const page = await p.backfill.nextPage(10);
      const vectors = page.documents.map((document) => ({
        document,
        vector: unit(p.dimensions + 1),
      }));
      await expect(p.backfill.store("run-1", vectors, page.through, TTL_MS, T0)).rejects.toThrow(
        /dims/,
      );
      expect(await p.backfill.cursor()).toBe(0);
    });

    kit.test("an empty index is one empty, final page", async (p) => {
      const page = await p.backfill.nextPage(10);
      expect(page).toEqual({ documents: [], through: 0, last: 0, end: true });
    });

    kit.checkSkips();
  });
}

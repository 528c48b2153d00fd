// The pure branch logic (src/domain/branches.ts): heads, ancestry, children, a turn's context.
import { describe, expect, test } from "bun:test";
import {
  ancestry,
  branchContext,
  childrenIndex,
  headOf,
  legacyParent,
  parentIndex,
} from "../../src/domain/branches.ts";

type R = { seq: number; parent_seq: number | null; role: string; covers_through_seq?: number };
const m = (seq: number, parent_seq: number | null, role = "user"): R => ({ seq, parent_seq, role });
// 1 → 2 → 3, 1 → 4 (a regenerate of 2), 4 → 5; summary 6 covers through 4.
const tree: R[] = [
  m(1, null),
  m(2, 1, "assistant"),
  m(3, 2),
  m(4, 1, "assistant"),
  m(5, 4),
  {
    seq: 6,
    parent_seq: 4,
    role: "summary",
    covers_through_seq: 4,
  },
];

describe("branches", () => {
  test("the head is the newest message unless a later switch names another", () => {
    expect(headOf(0, null)).toBeNull();
    expect(headOf(5, null)).toBe(5);
    expect(headOf(5, { seq: 2, asOf: 5 })).toBe(2);
    expect(headOf(6, { seq: 2, asOf: 5 })).toBe(6);
  });

  test("ancestry walks parents to the root; a forward link ends it; a hole is passed over", () => {
    const parents = parentIndex(tree);
    expect(ancestry(parents, 5)).toEqual([1, 4, 5]);
    expect(ancestry(parents, 3)).toEqual([1, 2, 3]);
    expect(ancestry(parents, null)).toEqual([]);
    expect(ancestry(new Map([[2, 5]]), 2)).toEqual([2]);
    // Message 2 was never stored: 3 follows it, and the walk goes on at 1.
    expect(
      ancestry(
        new Map([
          [1, null],
          [3, 2],
        ]),
        3,
      ),
    ).toEqual([1, 3]);
  });

  test("children list every follower in seq order", () => {
    const children = childrenIndex(tree);
    expect(children.get(1)).toEqual([2, 4]);
    expect(children.get(4)).toEqual([5, 6]);
    expect(children.get(3)).toBeUndefined();
  });

  test("a turn's context is its branch with that branch's summaries", () => {
    const answering5 = [...tree, m(7, 5, "assistant")];
    const context = branchContext(answering5, 7);
    expect(context.records.map((r) => r.seq)).toEqual([1, 4, 5, 6]);
    expect(context.complete).toBe(true);
    const answering3 = [...tree, m(7, 3, "assistant")];
    expect(branchContext(answering3, 7).records.map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  test("a context that reaches past the records held is incomplete unless a summary covers it", () => {
    const newest = [m(40, 39), m(41, 40, "assistant")];
    expect(branchContext(newest, 41)).toEqual({ records: [newest[0]!], complete: false });
    const summarized = [
      m(39, 38),
      m(40, 39),
      { seq: 42, parent_seq: 39, role: "summary", covers_through_seq: 39 },
      m(43, 40, "assistant"),
    ];
    expect(branchContext(summarized, 43).complete).toBe(true);
  });

  test("records from before branches follow the message before them", () => {
    expect([1, 2, 9].map(legacyParent)).toEqual([null, 1, 8]);
  });
});

// The context fit: newest exchanges first, cut only between exchanges, never splitting tool pairs.
import { describe, expect, test } from "bun:test";
import { type ContextMessage, exchanges, fitToBudget } from "../../src/domain/context-fit.ts";

const text = (seq: number, role: ContextMessage["role"], tokens: number): ContextMessage => ({
  seq,
  role,
  content: [{ type: "text", text: "x".repeat(tokens) }],
});
const count = (m: ContextMessage) =>
  m.content.reduce((n, b) => n + (b.type === "text" ? b.text.length : 10), 0);
const toolUse = (seq: number): ContextMessage => ({
  seq,
  role: "assistant",
  content: [{ type: "tool_use", id: `tu_${seq}`, name: "lookup", input: {} }],
});
const toolResult = (seq: number, of: number): ContextMessage => ({
  seq,
  role: "tool",
  content: [{ type: "tool_result", tool_use_id: `tu_${of}`, content: "ok", is_error: false }],
});

describe("exchanges", () => {
  test("a user message opens an exchange; leading non-user messages form their own", () => {
    const thread = [
      text(1, "assistant", 1),
      text(2, "user", 1),
      toolUse(3),
      toolResult(4, 3),
      text(5, "assistant", 1),
      text(6, "user", 1),
    ];
    expect(exchanges(thread).map((g) => g.map((m) => m.seq))).toEqual([[1], [2, 3, 4, 5], [6]]);
  });
});

describe("fitToBudget", () => {
  test("everything fits: nothing is dropped", () => {
    const thread = [text(1, "user", 10), text(2, "assistant", 10)];
    const fit = fitToBudget(thread, 100, count);
    expect(fit.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(fit.droppedThroughSeq).toBeNull();
    expect(fit.tokens).toBe(20);
    expect(fit.overBudget).toBe(false);
  });

  test("the oldest exchanges go first and the newest are always kept", () => {
    const thread = Array.from({ length: 60 }, (_, i) =>
      text(i + 1, i % 2 === 0 ? "user" : "assistant", 10),
    );
    const fit = fitToBudget(thread, 95, count);
    expect(fit.messages.map((m) => m.seq)).toEqual([53, 54, 55, 56, 57, 58, 59, 60]);
    expect(fit.droppedThroughSeq).toBe(52);
    expect(fit.tokens).toBeLessThanOrEqual(95);
    expect(fit.messages[0]?.role).toBe("user");
  });

  test("a tool pair at the cut is kept whole or dropped whole, never split", () => {
    const thread = [
      text(1, "user", 30),
      text(2, "assistant", 30),
      text(3, "user", 5),
      toolUse(4),
      toolResult(5, 4),
      text(6, "assistant", 5),
      text(7, "user", 5),
    ];
    for (const budget of [5, 20, 30, 34, 35, 40, 60, 95, 200]) {
      const fit = fitToBudget(thread, budget, count);
      const seqs = fit.messages.map((m) => m.seq);
      expect(seqs.includes(4)).toBe(seqs.includes(5));
      expect(fit.messages[0]?.role).toBe("user");
      expect(seqs.at(-1)).toBe(7);
      if (!fit.overBudget) expect(fit.tokens).toBeLessThanOrEqual(budget);
    }
    expect(fitToBudget(thread, 35, count).messages.map((m) => m.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(fitToBudget(thread, 34, count).messages.map((m) => m.seq)).toEqual([7]);
  });

  test("a newest exchange larger than the budget is kept whole and flagged", () => {
    const fit = fitToBudget([text(1, "user", 5), text(2, "user", 500)], 100, count);
    expect(fit.messages.map((m) => m.seq)).toEqual([2]);
    expect(fit.overBudget).toBe(true);
    expect(fit.droppedThroughSeq).toBe(1);
  });

  test("a 6,000-message thread keeps exactly the newest exchanges that fit", () => {
    const thread = Array.from({ length: 6000 }, (_, i) =>
      text(i + 1, i % 2 === 0 ? "user" : "assistant", 50),
    );
    const fit = fitToBudget(thread, 8000, count);
    expect(fit.tokens).toBe(8000);
    expect(fit.messages.length).toBe(160);
    expect(fit.messages[0]?.seq).toBe(5841);
    expect(fit.droppedThroughSeq).toBe(5840);
  });
});

// The pure context builder of long threads: the latest summary on the branch, then the messages
// after the one it covers, fitted; where the next summary cuts. Branches have gaps in their seqs
// (a sibling's messages are not on them), so nothing here may assume contiguous seqs.
import { describe, expect, test } from "bun:test";
import {
  buildContext,
  compactionCut,
  latestSummary,
  messagesAfter,
  needsCompaction,
} from "../../src/domain/context-build.ts";
import type { MessageRecord } from "../../src/domain/records.ts";
import { summaryTranscript, systemWithSummary } from "../../src/domain/summary-prompt.ts";
import { messageRecord } from "../support/records.ts";

const THREAD = { id: "thr_1", tenant_id: "ten_1" };

function rec(
  seq: number,
  role: MessageRecord["role"],
  text: string,
  extra: Partial<MessageRecord> = {},
): MessageRecord {
  return messageRecord(THREAD, seq, {
    role,
    content: [{ type: "text", text }],
    last_offset: 0,
    ...extra,
  });
}

/** Ten tokens a message: the counter the tests use. */
const ten = () => 10;

/** A branch with gaps: seqs 1, 2, 5, 6, 9, 10, 13, 14 (user/assistant pairs). */
const branch = [1, 2, 5, 6, 9, 10, 13, 14].map((seq, i) =>
  rec(seq, i % 2 === 0 ? "user" : "assistant", `m${seq}`),
);

describe("context build", () => {
  test("without a summary: the newest exchanges that fit, cut between exchanges", () => {
    const built = buildContext({ branch, summaries: [], budgetTokens: 45, countTokens: ten });
    expect(built.summary).toBeNull();
    expect(built.fit.messages.map((m) => m.seq)).toEqual([9, 10, 13, 14]);
    expect(built.fit.droppedThroughSeq).toBe(6);
    expect(built.fullTokens).toBe(80);
  });

  test("the latest summary whose covered message is on the branch is used; messages after it follow", () => {
    const onBranch = rec(20, "summary", "S1", { covers_through_seq: 6 });
    const newerOffBranch = rec(21, "summary", "S2", { covers_through_seq: 7 });
    const older = rec(15, "summary", "S0", { covers_through_seq: 2 });
    const summaries = [older, onBranch, newerOffBranch];
    expect(latestSummary(branch, summaries)?.seq).toBe(20);
    expect(messagesAfter(branch, onBranch).map((m) => m.seq)).toEqual([9, 10, 13, 14]);
    const built = buildContext({ branch, summaries, budgetTokens: 1000, countTokens: ten });
    expect(built.summary?.seq).toBe(20);
    expect(built.fit.messages.map((m) => m.seq)).toEqual([9, 10, 13, 14]);
    expect(built.fullTokens).toBe(50);
  });

  test("summaries and in-progress or empty messages never count as conversation", () => {
    const mixed = [
      ...branch.slice(0, 2),
      rec(3, "summary", "stray", { covers_through_seq: 1 }),
      rec(5, "user", "q"),
      rec(6, "assistant", "", { status: "in_progress", content: [] }),
    ];
    expect(messagesAfter(mixed, null).map((m) => m.seq)).toEqual([1, 2, 5]);
  });

  test("a tool_use stays with its tool_result at the cut", () => {
    const withTools = [
      rec(1, "user", "q1"),
      rec(2, "assistant", "calls"),
      rec(4, "tool", "result"),
      rec(7, "assistant", "a1"),
      rec(8, "user", "q2"),
      rec(9, "assistant", "a2"),
    ];
    const built = buildContext({
      branch: withTools,
      summaries: [],
      budgetTokens: 35,
      countTokens: ten,
    });
    // Exchange 1 is 4 messages (40) — it cannot be cut inside, so it is left out whole.
    expect(built.fit.messages.map((m) => m.seq)).toEqual([8, 9]);
    const wide = buildContext({
      branch: withTools,
      summaries: [],
      budgetTokens: 60,
      countTokens: ten,
    });
    expect(wide.fit.messages.map((m) => m.seq)).toEqual([1, 2, 4, 7, 8, 9]);
  });

  test("compaction starts past 3/4 of the budget and cuts to leave half of it", () => {
    const built = buildContext({ branch, summaries: [], budgetTokens: 100, countTokens: ten });
    expect(needsCompaction(built, 100)).toBe(true);
    expect(needsCompaction(built, 200)).toBe(false);
    const cut = compactionCut(branch, [], 100, ten)!;
    // Keep 50 tokens: the newest two exchanges (40); the cut is the branch message before them.
    expect(cut.coversThroughSeq).toBe(6);
    expect(cut.covered.map((m) => m.seq)).toEqual([1, 2, 5, 6]);
    expect(cut.previous).toBeNull();
    const summary = rec(30, "summary", "S", { covers_through_seq: 6 });
    const next = compactionCut(branch, [summary], 40, ten)!;
    expect(next.previous?.seq).toBe(30);
    expect(next.coversThroughSeq).toBe(10);
    expect(next.covered.map((m) => m.seq)).toEqual([9, 10]);
    // Nothing to cut: everything fits in the kept half.
    expect(compactionCut(branch.slice(0, 2), [], 100, ten)).toBeNull();
  });

  test("the summarizer's transcript is bounded, newest first kept, the previous summary first", () => {
    const covered = branch.map((r) => ({ seq: r.seq, role: r.role as "user", content: r.content }));
    const full = summaryTranscript("before", covered);
    expect(full.startsWith("[summary of the conversation before]\nbefore")).toBe(true);
    expect(full).toContain("[user]\nm1\n");
    const small = summaryTranscript(null, covered, 8);
    expect(small).toContain("m14");
    expect(small).not.toContain("m1\n");
    expect(small).toMatch(/older messages omitted/);
    expect(systemWithSummary("Be brief.", { text: "S", coversThroughSeq: 6 })).toBe(
      'Be brief.\n\n<conversation_summary covers_through_seq="6">\nEarlier messages of this conversation are not shown; this summary stands for them.\nS\n</conversation_summary>',
    );
    expect(systemWithSummary(null, null)).toBeNull();
  });
});

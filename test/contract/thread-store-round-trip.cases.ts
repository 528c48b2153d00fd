/**
 * ThreadStore contract: what is stored comes back exactly, through getMessage and listMessages
 * alike: every block type with nested and awkward values, and every nullable field as null.
 */
import { expect } from "bun:test";
import type { MessageRecord } from "../../src/domain/records.ts";
import type { ThreadStore } from "../../src/ports/thread-store.ts";
import { messageRecord, threadRecord } from "../support/records.ts";
import type { ContractKit } from "./contract-kit.ts";

/** A 1x1 transparent PNG. */
const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

export const RICH_CONTENT: MessageRecord["content"] = [
  { type: "text", text: "Here is the chart — ünïcödé ✓ 😀\nline two\u0000after nul" },
  { type: "image", source: { type: "base64", media_type: "image/png", data: PNG_BASE64 } },
  { type: "image", source: { type: "url", url: "https://example.com/a.png?x=1&y=2" } },
  {
    type: "tool_use",
    id: "toolu_01",
    name: "search_docs",
    input: {
      query: "refund policy",
      // Keys a model may well produce: dots, a leading $, nested arrays, nulls, big numbers.
      $schema: "draft-07",
      "filters.date": { from: "2026-01-01", to: null },
      options: { depth: 2, weights: [0.1, -3.5, 2 ** 53 - 1], nested: [{ deep: [true, false] }] },
      empty: {},
    },
  },
  {
    type: "tool_result",
    tool_use_id: "toolu_01",
    content: [
      { type: "text", text: "3 results" },
      { type: "image", source: { type: "url", url: "https://example.com/b.png" } },
    ],
    is_error: false,
  },
  { type: "tool_result", tool_use_id: "toolu_02", content: "timeout", is_error: true },
  {
    type: "thinking",
    thinking: "The user wants the refund policy.",
    signature: "EqQBCkgIARABGAIiQL5",
    provider: "anthropic",
  },
];

export function roundTripCases(kit: ContractKit<ThreadStore>): void {
  kit.test("content blocks and every field round-trip exactly", async (store) => {
    const thread = threadRecord({ end_user_id: "user_1" });
    await store.createThread(thread);
    const record = messageRecord(thread, 1, {
      role: "assistant",
      content: RICH_CONTENT,
      status: "completed",
      model: "anthropic/claude-sonnet-4-6",
      request_id: "req_123",
      end_user_id: "user_1",
      usage: { input_tokens: 1234, output_tokens: 56, estimated: false },
      stop_reason: "tool_use",
      created_at: "2026-01-01T00:00:00.000Z",
      completed_at: "2026-01-01T00:00:05.250Z",
      epoch: 3,
      rev: 7,
      last_offset: 42,
    });
    expect(await store.upsertMessages([record])).toEqual({ written: 1 });
    expect(await store.getMessage(thread.id, 1)).toStrictEqual(record);
    const query = { threadId: thread.id, limit: 10, order: "asc", includeTools: true } as const;
    expect(await store.listMessages(query)).toStrictEqual([record]);
  });

  kit.test("null fields round-trip as null", async (store) => {
    const thread = threadRecord();
    await store.createThread(thread);
    const record = messageRecord(thread, 1, {
      role: "assistant",
      content: [],
      status: "in_progress",
      model: null,
      request_id: null,
      end_user_id: null,
      usage: null,
      stop_reason: null,
      error: null,
      completed_at: null,
    });
    await store.upsertMessages([record]);
    expect(await store.getMessage(thread.id, 1)).toStrictEqual(record);
  });

  kit.test("a failed message keeps its error and estimated usage", async (store) => {
    const thread = threadRecord();
    await store.createThread(thread);
    const record = messageRecord(thread, 1, {
      role: "assistant",
      status: "failed",
      usage: { input_tokens: 0, output_tokens: 17, estimated: true },
      stop_reason: null,
      error: { code: "upstream_unavailable", message: "the provider returned 503" },
    });
    await store.upsertMessages([record]);
    expect(await store.getMessage(thread.id, 1)).toStrictEqual(record);
  });

  kit.test(
    "a summary message keeps covers_through_seq; pages leave summaries out unless asked",
    async (store) => {
      const thread = threadRecord();
      await store.createThread(thread);
      const user = messageRecord(thread, 1, { role: "user" });
      const tool = messageRecord(thread, 2, { role: "tool" });
      const summary = messageRecord(thread, 3, {
        role: "summary",
        content: [{ type: "text", text: "the user asked about refunds" }],
        model: "openai/gpt-5-mini",
        usage: { input_tokens: 900, output_tokens: 40, estimated: false },
        covers_through_seq: 1,
      });
      await store.upsertMessages([user, tool, summary]);
      expect(await store.getMessage(thread.id, 3)).toStrictEqual(summary);
      expect((await store.getMessage(thread.id, 1))?.covers_through_seq).toBeUndefined();
      const page = (extra: { includeTools: boolean; includeSummaries?: boolean }) =>
        store.listMessages({ threadId: thread.id, limit: 10, order: "asc", ...extra });
      expect((await page({ includeTools: true })).map((m) => m.seq)).toEqual([1, 2]);
      expect(
        (await page({ includeTools: false, includeSummaries: true })).map((m) => m.seq),
      ).toEqual([1, 3]);
      const all = await page({ includeTools: true, includeSummaries: true });
      expect(all.map((m) => m.seq)).toEqual([1, 2, 3]);
      expect(all[2]).toStrictEqual(summary);
    },
  );
}

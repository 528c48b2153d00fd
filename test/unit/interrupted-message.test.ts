// The one finalization path of an interrupted message (actor takeover and reaper share it).
import { describe, expect, test } from "bun:test";
import { encodingFor, TiktokenTokenizer } from "../../src/adapters/tokenizer/tiktoken-tokenizer.ts";
import { finalizeFromLog } from "../../src/domain/interrupted-message.ts";
import type { LogEvent } from "../../src/protocol/events.ts";
import { messageRecord, threadRecord } from "../support/records.ts";

const thread = threadRecord();
const open = messageRecord(thread, 2, { role: "assistant", status: "in_progress", content: [] });
const at = (offset: number) => ({ thread_id: thread.id, cursor: `2:${offset}` });
const { tenant_id: _t, epoch: _e, rev: _r, last_offset: _o, ...stored } = open;
const wire = { ...stored, children: [] };
const LOG: LogEvent[] = [
  { type: "message.created", message: wire, ...at(0) },
  { type: "block.start", seq: 2, index: 0, block: { type: "text", text: "" }, ...at(1) },
  {
    type: "block.delta",
    seq: 2,
    index: 0,
    delta: { type: "text_delta", text: "hello wor" },
    ...at(2),
  },
];

describe("finalizeFromLog", () => {
  test("an open log is closed: open blocks stopped, then message.incomplete", () => {
    const out = finalizeFromLog(open, LOG, { epoch: 7, now: Date.UTC(2026, 0, 2) });
    if (out.kind !== "interrupted") throw new Error(out.kind);
    expect(out.firstOffset).toBe(3);
    expect(out.events.map((e) => [e.type, e.cursor])).toEqual([
      ["block.stop", "2:3"],
      ["message.incomplete", "2:4"],
    ]);
    expect(out.record).toMatchObject({
      status: "incomplete",
      stop_reason: "interrupted",
      content: [{ type: "text", text: "hello wor" }],
      usage: { input_tokens: 0, estimated: true },
      epoch: 7,
      rev: open.rev + 1,
      last_offset: 4,
      completed_at: "2026-01-02T00:00:00.000Z",
    });
  });

  test("an empty log gets its message.created first", () => {
    const out = finalizeFromLog(open, [], { epoch: 2, now: 0 });
    if (out.kind !== "interrupted") throw new Error(out.kind);
    expect(out.events.map((e) => e.type)).toEqual(["message.created", "message.incomplete"]);
  });

  test("a log that already ended is restored as it ended, with a new version", () => {
    const final = {
      ...wire,
      status: "completed" as const,
      content: [{ type: "text" as const, text: "hi" }],
    };
    const log: LogEvent[] = [...LOG, { type: "message.completed", message: final, ...at(3) }];
    const out = finalizeFromLog(open, log, { epoch: 9, now: 0 });
    expect(out.kind).toBe("restored");
    expect(out.record).toMatchObject({
      status: "completed",
      epoch: 9,
      rev: open.rev + 1,
      last_offset: 3,
    });
  });
});

describe("tokenizer", () => {
  test("OpenAI models count exactly with their encoding; others are marked estimated", async () => {
    expect(encodingFor("openai/gpt-4o")).toEqual({ encoding: "o200k", exact: true });
    expect(encodingFor("gpt-4-turbo")).toEqual({ encoding: "cl100k", exact: true });
    expect(encodingFor("anthropic/claude-sonnet-4-6").exact).toBe(false);
    expect(encodingFor(null).exact).toBe(false);
    const counted = await new TiktokenTokenizer().count("openai/gpt-4o", [
      "hello world",
      "<|endoftext|>",
    ]);
    expect(counted.exact).toBe(true);
    expect(counted.tokens).toBeGreaterThan(3);
  });
});

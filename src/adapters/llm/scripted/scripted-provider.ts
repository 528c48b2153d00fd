/**
 * `spool/echo`: the built-in demo model. Clearly a demo: it answers "Echo: <your text>" word by
 * word with realistic pacing, needs no key and no network. Directives in the last user text drive
 * it for demos, tests and benchmarks:
 *   [chunks=N]        answer with exactly N text chunks ("w1 w2 …")
 *   [delay_ms=N]      pause between chunks (default 15 ms)
 *   [tool:NAME {…}]   call tool NAME with that JSON input (when the send offers tools)
 *   [fail_after=N]    fail with `unavailable` after N chunks (0: before the first)
 *   [think]           start with a short thinking block
 */
import { blockText, estimateTokens } from "../../../domain/tokens.ts";
import {
  type ModelCapabilities,
  type ModelMessage,
  type ModelProvider,
  ModelProviderError,
  type ModelRequest,
  type ModelStreamPart,
} from "../../../ports/llm.ts";
import type { Block } from "../../../protocol/blocks.ts";

/** 15 ms between words: about the pace of a fast hosted model. */
const DEFAULT_CHUNK_DELAY_MS = 15;

interface Directives {
  chunks: number | null;
  delayMs: number;
  tool: { name: string; input: string } | null;
  failAfter: number | null;
  think: boolean;
}

function lastText(messages: ModelMessage[]): { role: string; text: string } {
  const last = messages[messages.length - 1];
  if (!last) return { role: "user", text: "" };
  return { role: last.role, text: last.content.map((b: Block) => blockText(b)).join(" ") };
}

function parseDirectives(text: string): Directives {
  const num = (name: string) => {
    const match = new RegExp(`\\[${name}=(\\d+)\\]`).exec(text);
    return match ? Number(match[1]) : null;
  };
  const tool = /\[tool:([a-zA-Z0-9_-]+)\s*(\{.*?\})?\]/.exec(text);
  return {
    chunks: num("chunks"),
    delayMs: num("delay_ms") ?? DEFAULT_CHUNK_DELAY_MS,
    tool: tool ? { name: tool[1]!, input: tool[2] ?? "{}" } : null,
    failAfter: num("fail_after"),
    think: text.includes("[think]"),
  };
}

function answerWords(text: string, role: string, chunks: number | null): string[] {
  if (chunks !== null) return Array.from({ length: chunks }, (_, i) => `w${i + 1} `);
  const clean = text.replace(/\[[^\]]*\]/g, "").trim();
  const reply = role === "tool" ? `Tool returned: ${clean}` : `Echo: ${clean || "(nothing)"}`;
  return reply.split(/(?<=\s)/);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

export class ScriptedProvider implements ModelProvider {
  readonly name = "spool";
  readonly capabilities: ModelCapabilities = { images: true, tools: true };

  models(): string[] {
    return ["echo"];
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    const { role, text } = lastText(request.messages);
    const directives = parseDirectives(role === "user" ? text : "");
    const inputTokens = request.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    let index = 0;
    if (directives.think) {
      yield { type: "block_start", index, block: { type: "thinking", thinking: "" } };
      yield { type: "block_delta", index, delta: { type: "thinking_delta", thinking: "Echoing." } };
      yield { type: "block_stop", index: index++ };
    }
    const words = answerWords(text, role, directives.chunks);
    yield { type: "block_start", index, block: { type: "text", text: "" } };
    for (const [i, word] of words.entries()) {
      if (directives.failAfter === i)
        throw new ModelProviderError("unavailable", "scripted failure");
      if (request.signal.aborted) return;
      if (i > 0) await sleep(directives.delayMs, request.signal);
      yield { type: "block_delta", index, delta: { type: "text_delta", text: word } };
    }
    yield { type: "block_stop", index: index++ };
    const wantsTool =
      directives.tool && request.tools.some((t) => t.name === directives.tool?.name);
    if (wantsTool && directives.tool) {
      const id = `toolu_echo_${crypto.randomUUID().slice(0, 8)}`;
      yield {
        type: "block_start",
        index,
        block: { type: "tool_use", id, name: directives.tool.name, input: {} },
      };
      yield {
        type: "block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: directives.tool.input },
      };
      yield { type: "block_stop", index };
    }
    yield { type: "usage", input_tokens: inputTokens, output_tokens: words.length };
    yield { type: "stop", reason: wantsTool ? "tool_use" : "end_turn" };
  }
}

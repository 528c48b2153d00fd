/**
 * `spool/echo`: the built-in demo model. Clearly a demo: it answers "Echo: <your text>" word by
 * word with realistic pacing, needs no key and no network. Directives in the last user text drive
 * it for demos, tests and benchmarks:
 *   [chunks=N]        answer with exactly N text chunks ("w1 w2 …")
 *   [delay_ms=N]      pause between chunks (default 15 ms)
 *   [tool:NAME {…}]   call tool NAME with that JSON input (when the send offers tools);
 *                     several directives make several calls in one message
 *   [tool_loop]       call the tools again after every tool result (tests of the step bound)
 *   [fail_after=N]    fail with `unavailable` after N chunks (0: before the first)
 *   [think]           start with a short thinking block
 * Bounded (API.md): never more chunks than `max_tokens` (one chunk = one token) nor than
 * ECHO_MAX_OUTPUT_TOKENS; a longer answer stops with `max_tokens`. `delay_ms` is capped at 1 s.
 */

import type { ModelMessage } from "../../../domain/model-context.ts";
import { blockText, estimateTokens } from "../../../domain/tokens.ts";
import {
  type ModelCapabilities,
  type ModelProvider,
  ModelProviderError,
  type ModelRequest,
  type ModelStreamPart,
} from "../../../ports/llm.ts";
import type { Block } from "../../../protocol/blocks.ts";
import { ECHO_MAX_OUTPUT_TOKENS } from "../model-limits.ts";

/** 15 ms between words: about the pace of a fast hosted model. */
const DEFAULT_CHUNK_DELAY_MS = 15;
/** 1 s between chunks at most: slow enough for any demo, no stream held open for hours. */
export const MAX_CHUNK_DELAY_MS = 1000;

interface Directives {
  chunks: number | null;
  delayMs: number;
  tools: { name: string; input: string }[];
  toolLoop: boolean;
  failAfter: number | null;
  think: boolean;
}

function textOf(message: ModelMessage | undefined): string {
  return message ? message.content.map((b: Block) => blockText(b)).join(" ") : "";
}

function lastText(messages: ModelMessage[]): { role: string; text: string } {
  const last = messages[messages.length - 1];
  return { role: last?.role ?? "user", text: textOf(last) };
}

/** Directives come from the last user message; only `[tool_loop]` acts after a tool result. */
function directivesFor(messages: ModelMessage[], role: string, text: string): Directives {
  if (role === "user") return parseDirectives(text);
  const user = parseDirectives(textOf(messages.findLast((m) => m.role === "user")));
  return user.toolLoop
    ? { ...parseDirectives(""), tools: user.tools, toolLoop: true }
    : parseDirectives("");
}

function parseDirectives(text: string): Directives {
  const num = (name: string) => {
    const match = new RegExp(`\\[${name}=(\\d{1,12})\\]`).exec(text);
    return match ? Number(match[1]) : null;
  };
  const tools = [...text.matchAll(/\[tool:([a-zA-Z0-9_-]+)\s*(\{.*?\})?\]/g)];
  return {
    chunks: num("chunks"),
    delayMs: Math.min(num("delay_ms") ?? DEFAULT_CHUNK_DELAY_MS, MAX_CHUNK_DELAY_MS),
    tools: tools.map((m) => ({ name: m[1]!, input: m[2] ?? "{}" })),
    toolLoop: text.includes("[tool_loop]"),
    failAfter: num("fail_after"),
    think: text.includes("[think]"),
  };
}

/** The answer's chunks, at most `limit` of them (`truncated`: there would have been more). */
function answerWords(
  text: string,
  role: string,
  chunks: number | null,
  limit: number,
): { words: string[]; truncated: boolean } {
  if (chunks !== null) {
    const n = Math.min(chunks, limit);
    return { words: Array.from({ length: n }, (_, i) => `w${i + 1} `), truncated: chunks > n };
  }
  const clean = text.replace(/\[[^\]]*\]/g, "").trim();
  const reply = role === "tool" ? `Tool returned: ${clean}` : `Echo: ${clean || "(nothing)"}`;
  const words: string[] = [];
  // A linear scan that stops at the limit: a 1 MB message costs `limit` words, not a 1 MB split.
  const pattern = /\S*\s*/gy;
  while (words.length <= limit) {
    const match = pattern.exec(reply);
    if (!match || match[0] === "") break;
    words.push(match[0]);
  }
  const truncated = words.length > limit;
  return { words: truncated ? words.slice(0, limit) : words, truncated };
}

/**
 * The pause between an answer's chunks, cut short when its signal aborts. One abort listener for
 * the whole answer, removed when it ends: a listener per chunk was an add and a remove per chunk
 * (issue 17), and left on the signal they piled up (a 16k-chunk answer held 16k closures, and each
 * add scanned them all: 17 % of a paced node's CPU on 400-chunk answers).
 */
class ChunkPause {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #resolve: (() => void) | null = null;
  readonly #onAbort = () => this.#cut();

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  wait(ms: number): Promise<void> {
    if (ms <= 0 || this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#timer = setTimeout(() => this.#cut(), ms);
    });
  }

  end(): void {
    this.signal.removeEventListener("abort", this.#onAbort);
    this.#cut();
  }

  #cut(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const resolve = this.#resolve;
    this.#resolve = null;
    resolve?.();
  }
}

export class ScriptedProvider implements ModelProvider {
  readonly name = "spool";
  readonly capabilities: ModelCapabilities = { images: true, tools: true };

  models(): string[] {
    return ["echo"];
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    const { role, text } = lastText(request.messages);
    const directives = directivesFor(request.messages, role, text);
    const inputTokens = request.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    let index = 0;
    if (directives.think) {
      yield { type: "block_start", index, block: { type: "thinking", thinking: "" } };
      yield { type: "block_delta", index, delta: { type: "thinking_delta", thinking: "Echoing." } };
      yield { type: "block_stop", index: index++ };
    }
    const limit = Math.max(1, Math.min(request.maxTokens, ECHO_MAX_OUTPUT_TOKENS));
    const { words, truncated } = answerWords(text, role, directives.chunks, limit);
    yield { type: "block_start", index, block: { type: "text", text: "" } };
    const pause = new ChunkPause(request.signal);
    try {
      for (const [i, word] of words.entries()) {
        if (directives.failAfter === i)
          throw new ModelProviderError("unavailable", "scripted failure");
        if (request.signal.aborted) return;
        if (i > 0) await pause.wait(directives.delayMs);
        yield { type: "block_delta", index, delta: { type: "text_delta", text: word } };
      }
    } finally {
      pause.end();
    }
    yield { type: "block_stop", index };
    if (truncated) {
      yield { type: "usage", input_tokens: inputTokens, output_tokens: words.length };
      yield { type: "stop", reason: "max_tokens" };
      return;
    }
    const calls = directives.tools.filter((d) => request.tools.some((t) => t.name === d.name));
    for (const call of calls) yield* toolCallParts(++index, call);
    yield { type: "usage", input_tokens: inputTokens, output_tokens: words.length };
    yield { type: "stop", reason: calls.length > 0 ? "tool_use" : "end_turn" };
  }
}

function* toolCallParts(
  index: number,
  call: { name: string; input: string },
): Iterable<ModelStreamPart> {
  const id = `toolu_echo_${crypto.randomUUID().slice(0, 8)}`;
  yield { type: "block_start", index, block: { type: "tool_use", id, name: call.name, input: {} } };
  yield {
    type: "block_delta",
    index,
    delta: { type: "input_json_delta", partial_json: call.input },
  };
  yield { type: "block_stop", index };
}

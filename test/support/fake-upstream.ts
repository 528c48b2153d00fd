/**
 * One local HTTP server that speaks the streaming wire formats of Anthropic Messages, OpenAI Chat
 * Completions and Mistral chat, so the real SDKs can be driven in tests and benchmarks. Each
 * provider has a base-URL prefix (`/anthropic`, `/openai/v1`, `/mistral`; the SDKs append
 * `/v1/messages`, `/chat/completions`, `/v1/chat/completions`). Each request plays the next
 * enqueued script (or the provider's default script) and is recorded with its parsed JSON body.
 * A script is provider-neutral; the renderers below follow each API's real framing (Mistral sends
 * a tool call whole in one chunk, as the real API does).
 */
import { expect } from "bun:test";
import type { ModelStopReason, ModelStreamPart } from "../../src/ports/llm.ts";
import type { Block } from "../../src/protocol/blocks.ts";

export type UpstreamProvider = "anthropic" | "openai" | "mistral";

export type Step =
  | { kind: "text"; text: string }
  | { kind: "thinking"; thinking: string; signature?: string }
  /** `args`: the argument JSON in the pieces it is streamed in. */
  | { kind: "tool_call"; name: string; args: string[]; id?: string }
  | { kind: "usage"; input: number; output: number }
  | { kind: "stop"; reason: ModelStopReason }
  /** An HTTP error instead of a stream; only as the first step. */
  | { kind: "http_error"; status: number; retryAfter?: string; message?: string }
  /** An error inside the open stream (Anthropic `event: error`, OpenAI `{error}`). */
  | { kind: "stream_error"; type: string; message?: string }
  | { kind: "stall"; ms: number }
  /** The socket is reset here, without the end of the chunked body. */
  | { kind: "disconnect" };

export interface Script {
  steps: Step[];
  /** Delay before every frame after the first, in ms. */
  paceMs?: number;
  /** Delay before the response (status and headers), in ms. */
  delayHeadersMs?: number;
}

export interface RecordedRequest {
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export interface FakeUpstream {
  urls: Record<UpstreamProvider, string>;
  enqueue(provider: UpstreamProvider, ...scripts: Array<Script | Step[]>): void;
  /** Played when the queue is empty (benchmarks); null: an empty queue answers 500. */
  setDefault(provider: UpstreamProvider, script: Script | Step[] | null): void;
  requests(provider: UpstreamProvider): RecordedRequest[];
  /** Scripts enqueued and not yet played. */
  pending(provider: UpstreamProvider): number;
  stop(): Promise<void>;
}

// Step builders, for readable scripts.
export const text = (t: string): Step => ({ kind: "text", text: t });
export const thinking = (t: string, signature?: string): Step =>
  signature === undefined
    ? { kind: "thinking", thinking: t }
    : { kind: "thinking", thinking: t, signature };
export const toolCall = (name: string, args: string[], id?: string): Step =>
  id === undefined ? { kind: "tool_call", name, args } : { kind: "tool_call", name, args, id };
export const usage = (input: number, output: number): Step => ({ kind: "usage", input, output });
export const stop = (reason: ModelStopReason = "end_turn"): Step => ({ kind: "stop", reason });
export const httpError = (status: number, retryAfter?: string): Step =>
  retryAfter === undefined
    ? { kind: "http_error", status }
    : { kind: "http_error", status, retryAfter };
export const streamError = (type: string): Step => ({ kind: "stream_error", type });
export const stall = (ms: number): Step => ({ kind: "stall", ms });
export const disconnect = (): Step => ({ kind: "disconnect" });
/** A long plain reply, for benchmarks: `count` text chunks of `piece`, then usage and end_turn. */
export const textReply = (count: number, piece = "lorem "): Step[] => [
  ...Array.from({ length: count }, () => text(piece)),
  usage(count, count),
  stop(),
];

const ROUTES: Record<string, UpstreamProvider> = {
  "/anthropic/v1/messages": "anthropic",
  "/openai/v1/chat/completions": "openai",
  "/mistral/v1/chat/completions": "mistral",
};

type Action = { frame: string } | { sleepMs: number } | { disconnect: true };
type Renderer = (steps: Step[], body: Record<string, unknown>) => Action[];

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const queues: Record<UpstreamProvider, Script[]> = { anthropic: [], openai: [], mistral: [] };
  const defaults: Record<UpstreamProvider, Script | null> = {
    anthropic: null,
    openai: null,
    mistral: null,
  };
  const recorded: Record<UpstreamProvider, RecordedRequest[]> = {
    anthropic: [],
    openai: [],
    mistral: [],
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0, // stalls in scripts may outlast Bun's 10 s default
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const provider = ROUTES[path];
      if (!provider || req.method !== "POST") return new Response("not found", { status: 404 });
      const body = (await req.json()) as Record<string, unknown>;
      recorded[provider].push({ path, headers: Object.fromEntries(req.headers), body });
      const script = queues[provider].shift() ?? defaults[provider];
      if (!script)
        return Response.json({ error: `fake-upstream: no ${provider} script` }, { status: 500 });
      if (script.delayHeadersMs) await Bun.sleep(script.delayHeadersMs);
      return respond(provider, script, body);
    },
  });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    urls: {
      anthropic: `${base}/anthropic`,
      openai: `${base}/openai/v1`,
      mistral: `${base}/mistral`,
    },
    enqueue: (provider, ...scripts) => queues[provider].push(...scripts.map(asScript)),
    setDefault: (provider, script) => {
      defaults[provider] = script ? asScript(script) : null;
    },
    requests: (provider) => [...recorded[provider]],
    pending: (provider) => queues[provider].length,
    stop: () => server.stop(true),
  };
}

function asScript(script: Script | Step[]): Script {
  return Array.isArray(script) ? { steps: script } : script;
}

function respond(
  provider: UpstreamProvider,
  script: Script,
  body: Record<string, unknown>,
): Response {
  const first = script.steps[0];
  if (first?.kind === "http_error") return errorResponse(provider, first);
  const actions = RENDERERS[provider](script.steps, body);
  return new Response(playback(actions, script.paceMs ?? 0), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

/** 30 ms: enough for loopback writes to drain, short enough to keep tests quick. */
const DISCONNECT_FLUSH_MS = 30;

function playback(actions: Action[], paceMs: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = 0;
  let framesSent = 0;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (next < actions.length && !cancelled) {
        const action = actions[next++]!;
        if ("sleepMs" in action) await Bun.sleep(action.sleepMs);
        else if ("disconnect" in action) {
          // Let the frames already written leave the socket; the reset would discard them.
          await Bun.sleep(DISCONNECT_FLUSH_MS);
          controller.error(); // no argument: Bun resets the socket without logging an error
          return;
        } else {
          if (framesSent++ > 0 && paceMs > 0) await Bun.sleep(paceMs);
          if (!cancelled) controller.enqueue(encoder.encode(action.frame));
          return;
        }
      }
      if (!cancelled) controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
  529: "overloaded_error",
};

function errorResponse(
  provider: UpstreamProvider,
  step: Extract<Step, { kind: "http_error" }>,
): Response {
  const type =
    ERROR_TYPES[step.status] ?? (step.status >= 500 ? "api_error" : "invalid_request_error");
  const message = step.message ?? `fake ${type}`;
  const headers: Record<string, string> = { "request-id": `req_fake_${Date.now()}` };
  if (step.retryAfter !== undefined) headers["retry-after"] = step.retryAfter;
  const body =
    provider === "anthropic"
      ? { type: "error", error: { type, message } }
      : provider === "openai"
        ? { error: { message, type, param: null, code: null } }
        : { object: "error", message, type, param: null, code: null };
  return Response.json(body, { status: step.status, headers });
}

const sse = (data: unknown, event?: string): Action => ({
  frame: `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`,
});

function usageOf(steps: Step[]): { input: number; output: number } {
  const u = steps.findLast((s) => s.kind === "usage");
  return u?.kind === "usage" ? u : { input: 0, output: 0 };
}

let idCounter = 0;
/** Ids shaped like each provider's own (Mistral: exactly 9 alphanumerics). */
function providerToolId(provider: UpstreamProvider): string {
  const n = (++idCounter).toString(36).padStart(5, "0");
  const noise = crypto.randomUUID().replaceAll("-", "");
  if (provider === "mistral") return `${noise.slice(0, 4)}${n}`.slice(0, 9);
  return provider === "anthropic" ? `toolu_01${noise.slice(0, 22)}` : `call_${noise.slice(0, 24)}`;
}

/**
 * Anthropic's prompt cache, simulated: each `cache_control` breakpoint caches the request's prefix
 * through it (tools, system, messages, in that order); a later request whose prefix through one
 * of its breakpoints was cached reads it. Sizes are the estimator's (4 characters a token).
 */
const anthropicCache = new Set<string>();
const CACHE_CHARS_PER_TOKEN = 4;

function anthropicCacheUsage(body: Record<string, unknown>): { read: number; write: number } {
  const parts: unknown[] = [body.tools ?? null];
  const breakpoints: number[] = [];
  const add = (block: unknown) => {
    parts.push(block);
    if ((block as { cache_control?: unknown }).cache_control) breakpoints.push(parts.length);
  };
  const system = body.system;
  if (Array.isArray(system)) for (const block of system) add(block);
  else if (typeof system === "string") parts.push(system);
  for (const message of (body.messages ?? []) as { role: string; content: unknown }[]) {
    if (typeof message.content === "string") parts.push(message.content);
    else
      for (const block of message.content as unknown[])
        add({ role: message.role, ...(block as object) });
  }
  const prefix = (n: number) => JSON.stringify(parts.slice(0, n));
  const tokens = (n: number) => Math.ceil(prefix(n).length / CACHE_CHARS_PER_TOKEN);
  let read = 0;
  for (const n of breakpoints) if (anthropicCache.has(prefix(n))) read = tokens(n);
  const last = breakpoints.at(-1);
  const write = last !== undefined && !anthropicCache.has(prefix(last)) ? tokens(last) - read : 0;
  for (const n of breakpoints) anthropicCache.add(prefix(n));
  return { read, write };
}

const renderAnthropic: Renderer = (steps, body) => {
  const out: Action[] = [];
  const ev = (data: { type: string; [key: string]: unknown }) => out.push(sse(data, data.type));
  const { input, output } = usageOf(steps);
  // Within the scripted input, so a script's usage stays the total Spool reports.
  const cached = anthropicCacheUsage(body);
  const read = Math.min(cached.read, input);
  const cache = { read, write: Math.min(cached.write, input - read) };
  ev({
    type: "message_start",
    message: {
      id: `msg_fake_${++idCounter}`,
      type: "message",
      role: "assistant",
      model: body.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // As Anthropic counts: `input_tokens` is what was neither read from nor written to the cache.
      usage: {
        input_tokens: input - cache.read - cache.write,
        output_tokens: 1,
        cache_read_input_tokens: cache.read,
        cache_creation_input_tokens: cache.write,
      },
    },
  });
  out.push(sse({ type: "ping" }, "ping"));
  let index = -1;
  let open: { kind: "text" | "thinking"; signature: string } | null = null;
  const close = () => {
    if (!open) return;
    if (open.kind === "thinking") {
      ev({
        type: "content_block_delta",
        index,
        delta: { type: "signature_delta", signature: open.signature },
      });
    }
    ev({ type: "content_block_stop", index });
    open = null;
  };
  const startBlock = (content_block: Record<string, unknown>) => {
    close();
    ev({ type: "content_block_start", index: ++index, content_block });
  };
  for (const step of steps) {
    if (step.kind === "text") {
      if (open?.kind !== "text") {
        startBlock({ type: "text", text: "", citations: null });
        open = { kind: "text", signature: "" };
      }
      ev({ type: "content_block_delta", index, delta: { type: "text_delta", text: step.text } });
    } else if (step.kind === "thinking") {
      if (open?.kind !== "thinking") {
        startBlock({ type: "thinking", thinking: "", signature: "" });
        open = { kind: "thinking", signature: "" };
      }
      open.signature = step.signature ?? open.signature ?? "";
      ev({
        type: "content_block_delta",
        index,
        delta: { type: "thinking_delta", thinking: step.thinking },
      });
    } else if (step.kind === "tool_call") {
      startBlock({
        type: "tool_use",
        id: step.id ?? providerToolId("anthropic"),
        name: step.name,
        input: {},
      });
      for (const piece of ["", ...step.args]) {
        ev({
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: piece },
        });
      }
      ev({ type: "content_block_stop", index });
    } else if (step.kind === "stop") {
      close();
      ev({
        type: "message_delta",
        delta: { stop_reason: step.reason, stop_sequence: null },
        usage: { output_tokens: output },
      });
      ev({ type: "message_stop" });
    } else if (step.kind === "stream_error") {
      ev({ type: "error", error: { type: step.type, message: step.message ?? step.type } });
    } else out.push(...control(step));
  }
  return out;
};

function control(step: Step): Action[] {
  if (step.kind === "stall") return [{ sleepMs: step.ms }];
  if (step.kind === "disconnect") return [{ disconnect: true }];
  return [];
}

const FINISH: Record<ModelStopReason, string> = {
  end_turn: "stop",
  tool_use: "tool_calls",
  max_tokens: "length",
};

const renderOpenAI: Renderer = (steps, body) => {
  const out: Action[] = [];
  const withUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
  const id = `chatcmpl-fake${++idCounter}`;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    out.push(
      sse({
        id,
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
        ...(withUsage ? { usage: null } : {}),
      }),
    );
  chunk({ role: "assistant", content: "", refusal: null });
  let toolIndex = 0;
  for (const step of steps) {
    if (step.kind === "text") chunk({ content: step.text });
    else if (step.kind === "thinking") chunk({ reasoning_content: step.thinking });
    else if (step.kind === "tool_call") {
      const i = toolIndex++;
      const call = { index: i, id: step.id ?? providerToolId("openai"), type: "function" };
      chunk({ tool_calls: [{ ...call, function: { name: step.name, arguments: "" } }] });
      for (const piece of step.args)
        chunk({ tool_calls: [{ index: i, function: { arguments: piece } }] });
    } else if (step.kind === "stop") {
      chunk({}, FINISH[step.reason]);
      const { input, output } = usageOf(steps);
      const u = { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
      if (withUsage)
        out.push(
          sse({ id, object: "chat.completion.chunk", model: body.model, choices: [], usage: u }),
        );
      out.push(sse("[DONE]"));
    } else if (step.kind === "stream_error") {
      out.push(sse({ error: { message: step.message ?? step.type, type: step.type, code: null } }));
    } else out.push(...control(step));
  }
  return out;
};

const renderMistral: Renderer = (steps, body) => {
  const out: Action[] = [];
  const id = `${crypto.randomUUID().replaceAll("-", "")}`;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra = {}) =>
    out.push(
      sse({
        id,
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, delta, finish_reason: finish }],
        ...extra,
      }),
    );
  chunk({ role: "assistant", content: "" });
  let toolIndex = 0;
  for (const step of steps) {
    if (step.kind === "text") chunk({ content: step.text });
    else if (step.kind === "thinking") {
      chunk({ content: [{ type: "thinking", thinking: [{ type: "text", text: step.thinking }] }] });
    } else if (step.kind === "tool_call") {
      const fn = { name: step.name, arguments: step.args.join("") };
      chunk({
        content: "",
        tool_calls: [
          { id: step.id ?? providerToolId("mistral"), function: fn, index: toolIndex++ },
        ],
      });
    } else if (step.kind === "stop") {
      const { input, output } = usageOf(steps);
      const u = { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
      chunk({ content: "" }, FINISH[step.reason], { usage: u });
      out.push(sse("[DONE]"));
    } else if (step.kind === "stream_error") out.push({ disconnect: true });
    else out.push(...control(step));
  }
  return out;
};

const RENDERERS: Record<UpstreamProvider, Renderer> = {
  anthropic: renderAnthropic,
  openai: renderOpenAI,
  mistral: renderMistral,
};

/** A drained model stream, checked against the port's stream contract as it is read. */
export interface DrainedStream {
  parts: ModelStreamPart[];
  blocks: Block[];
  usage: { input_tokens?: number; output_tokens?: number };
  stop: ModelStopReason | null;
  /** What the stream threw, if it did. */
  error: unknown;
}

/** Reads `stream` to its end; what the stream throws is returned, contract violations throw. */
export async function drain(stream: AsyncIterable<ModelStreamPart>): Promise<DrainedStream> {
  const out: DrainedStream = { parts: [], blocks: [], usage: {}, stop: null, error: null };
  const iterator = stream[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<ModelStreamPart>;
    try {
      next = await iterator.next();
    } catch (error) {
      out.error = error;
      return out;
    }
    if (next.done) return out;
    out.parts.push(next.value);
    applyPart(out, next.value);
  }
}

const openJson = new WeakMap<DrainedStream, Map<number, string>>();

function applyPart(out: DrainedStream, part: ModelStreamPart): void {
  expect(out.stop).toBeNull(); // nothing may follow `stop`
  const json = openJson.get(out) ?? new Map<number, string>();
  openJson.set(out, json);
  if (part.type === "block_start") {
    expect(part.index).toBe(out.blocks.length);
    out.blocks.push(structuredClone(part.block));
    json.set(part.index, "");
  } else if (part.type === "block_delta") {
    expect(json.has(part.index)).toBe(true);
    const block = out.blocks[part.index]!;
    const d = part.delta;
    if (d.type === "text_delta" && block.type === "text") block.text += d.text;
    else if (d.type === "thinking_delta" && block.type === "thinking") block.thinking += d.thinking;
    else if (d.type === "input_json_delta" && block.type === "tool_use") {
      json.set(part.index, json.get(part.index) + d.partial_json);
    } else throw new Error(`delta ${d.type} does not fit block ${block.type}`);
  } else if (part.type === "block_stop") {
    expect(json.has(part.index)).toBe(true);
    const block = out.blocks[part.index]!;
    const raw = json.get(part.index)!;
    if (block.type === "tool_use") block.input = raw === "" ? {} : JSON.parse(raw);
    if (part.signature !== undefined) {
      expect(block.type).toBe("thinking"); // only thinking blocks are signed
      if (block.type === "thinking") block.signature = part.signature;
    }
    json.delete(part.index);
  } else if (part.type === "usage") {
    if (part.input_tokens !== undefined) out.usage.input_tokens = part.input_tokens;
    if (part.output_tokens !== undefined) out.usage.output_tokens = part.output_tokens;
  } else {
    expect(json.size).toBe(0); // every block closed before `stop`
    out.stop = part.reason;
  }
}

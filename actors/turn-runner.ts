/**
 * Runs the generation part of a turn: the model call for the assistant message, then, with
 * client tools, the wait for tool results (`tool.waiting`), the `tool` message and the next
 * assistant message, up to MAX_TOOL_STEPS. Each assistant message is settled from its own log.
 */
import { toModelMessages } from "../src/domain/model-context.ts";
import type { ModelProvider } from "../src/ports/llm.ts";
import type { Block, ToolUseBlock } from "../src/protocol/blocks.ts";
import type { ActorDeps } from "./actor-deps.ts";
import { runGeneration } from "./generation.ts";
import type { MessageWriter } from "./message-writer.ts";
import type { ThreadLog } from "./thread-log.ts";
import { deferred, type PendingToolCall, type SendCommand } from "./turn.ts";

/** 8 model calls per turn: enough for real agent loops, a bound on a model that never stops. */
export const MAX_TOOL_STEPS = 8;
/** Default output budget when the send names none. */
export const DEFAULT_MAX_TOKENS = 4096;

export interface RunningGeneration {
  seq: number;
  controller: AbortController;
}

export class TurnRunner {
  running: RunningGeneration | null = null;
  waiting: PendingToolCall | null = null;

  constructor(
    private readonly deps: ActorDeps,
    private readonly threadId: string,
    private readonly writer: MessageWriter,
    private readonly log: ThreadLog,
  ) {}

  /** Runs the turn from its first assistant message; `onSettled` fires when the caller may answer. */
  async run(
    command: SendCommand,
    provider: ModelProvider,
    model: string,
    firstSeq: number,
    onSettled: () => void,
  ): Promise<void> {
    let seq = firstSeq;
    try {
      for (let step = 1; ; step++) {
        const toolUses = await this.#generate(command, provider, model, seq);
        if (toolUses === null) return;
        if (command.body.tools_mode === "tenant" || step >= MAX_TOOL_STEPS) {
          // Tenant tools run through the tool executor (not configured here): stop at the call.
          await this.writer.settle(seq, {
            status: "completed",
            stopReason: "tool_use",
            usage: null,
            error: null,
          });
          return;
        }
        const next = await this.#awaitClientTools(command, seq, toolUses, onSettled);
        if (next === null) return;
        seq = next;
      }
    } finally {
      this.running = null;
      this.waiting = null;
      onSettled();
    }
  }

  cancel(seq: number): boolean {
    if (this.running?.seq === seq) {
      this.running.controller.abort();
      return true;
    }
    if (this.waiting?.seq === seq) {
      this.waiting.resolve("cancelled");
      return true;
    }
    return false;
  }

  /** Generates one assistant message. Returns its tool calls when it stopped to call tools. */
  async #generate(
    command: SendCommand,
    provider: ModelProvider,
    model: string,
    seq: number,
  ): Promise<ToolUseBlock[] | null> {
    const controller = new AbortController();
    this.running = { seq, controller };
    const context = await this.deps.history.all(this.threadId);
    const result = await runGeneration({
      provider,
      seq,
      signal: controller.signal,
      emit: (body) => this.log.emit(seq, body),
      sleep: (ms) => new Promise<void>((r) => this.deps.clock.setTimeout(r, ms)),
      request: {
        model,
        system: command.body.system ?? null,
        messages: toModelMessages(context.filter((r) => r.seq < seq)),
        tools: command.body.tools ?? [],
        maxTokens: command.body.max_tokens ?? DEFAULT_MAX_TOKENS,
        temperature: command.body.temperature ?? null,
      },
    });
    this.running = null;
    await this.log.writer.flushed();
    const toolUses = (this.log.snapshot(seq)?.content ?? []).filter(
      (b): b is ToolUseBlock => b.type === "tool_use",
    );
    const mode = command.body.tools_mode ?? (command.body.tools?.length ? "client" : "none");
    if (result.stopReason === "tool_use" && toolUses.length > 0 && mode !== "none") {
      if (mode === "tenant") return toolUses;
      for (const toolUse of toolUses)
        this.log.emit(seq, { type: "tool.waiting", seq, tool_use: toolUse });
      await this.log.writer.flushed();
      this.#pendingUsage.set(seq, result.usage);
      return toolUses;
    }
    await this.writer.settle(seq, {
      status: result.status,
      stopReason: result.stopReason,
      usage: result.usage,
      error: result.error,
    });
    return null;
  }

  readonly #pendingUsage = new Map<number, Parameters<MessageWriter["settle"]>[1]["usage"]>();

  /** Waits for the client's tool results; on answer appends them and opens the next message. */
  async #awaitClientTools(
    command: SendCommand,
    seq: number,
    toolUses: ToolUseBlock[],
    onSettled: () => void,
  ): Promise<number | null> {
    const outcome = deferred<"answered" | "timeout" | "cancelled">();
    const pending: PendingToolCall = {
      seq,
      toolUses,
      results: new Map(),
      resolve: outcome.resolve,
    };
    this.waiting = pending;
    onSettled();
    const timer = this.deps.clock.setTimeout(
      () => outcome.resolve("timeout"),
      this.deps.limits.toolWaitTimeoutMs,
    );
    const result = await outcome.promise;
    this.deps.clock.clearTimeout(timer);
    this.waiting = null;
    const usage = this.#pendingUsage.get(seq) ?? null;
    this.#pendingUsage.delete(seq);
    if (result !== "answered") {
      const stopReason = result === "timeout" ? "tool_wait_timeout" : "cancelled";
      await this.writer.settle(seq, { status: "incomplete", stopReason, usage, error: null });
      return null;
    }
    await this.writer.settle(seq, {
      status: "completed",
      stopReason: "tool_use",
      usage,
      error: null,
    });
    const results: Block[] = toolUses.map((toolUse) => {
      const answer = pending.results.get(toolUse.id)!;
      return {
        type: "tool_result",
        tool_use_id: toolUse.id,
        content: answer.content as string,
        is_error: answer.is_error,
      };
    });
    const model = command.body.model ?? null;
    const appended = await this.writer.append(
      [
        { role: "tool", content: results, status: "completed", model: null, requestId: null },
        { role: "assistant", content: [], status: "in_progress", model, requestId: null },
      ],
      { requestId: null, fingerprint: "", ifLastSeq: null },
    );
    return appended.seqs[1]!;
  }
}

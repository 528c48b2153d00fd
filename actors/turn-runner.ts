/**
 * Runs the generation part of a turn: the model call for the assistant message, then the tool
 * calls it made — client tools (`tool.waiting`, wait for results) or tenant tools (Spool calls
 * them) — the `tool` message and the next assistant message, up to MAX_TOOL_STEPS model calls.
 * Each assistant message is settled from its own log. At the bound the last message is completed
 * with stop_reason `tool_use` and its calls stay unanswered.
 */
import { branchContext } from "../src/domain/branches.ts";
import type { MessageRecord, ThreadRecord } from "../src/domain/records.ts";
import type { ModelProvider } from "../src/ports/llm.ts";
import type { Block, ToolResultBlock, ToolUseBlock } from "../src/protocol/blocks.ts";
import { NotFoundError } from "../src/protocol/errors.ts";
import type { ActorDeps } from "./actor-deps.ts";
import type { ThreadCompaction } from "./compaction.ts";
import { runGeneration } from "./generation.ts";
import type { MessageWriter } from "./message-writer.ts";
import { executeTenantTools, type TurnTools } from "./tenant-tools.ts";
import type { ThreadLog } from "./thread-log.ts";
import { deferred, type PendingToolCall, type SendCommand } from "./turn.ts";
import { TurnContextBuilder } from "./turn-context.ts";

/** 8 model calls per turn: enough for real agent loops, a bound on a model that never stops. */
export const MAX_TOOL_STEPS = 8;
/** Default output budget when the send names none. */
export const DEFAULT_MAX_TOKENS = 4096;

type Usage = Parameters<MessageWriter["settle"]>[1]["usage"];

export interface RunningGeneration {
  seq: number;
  controller: AbortController;
}

/** An assistant message that stopped to call tools; it is settled once they are answered. */
interface ToolStop {
  toolUses: ToolUseBlock[];
  usage: Usage;
}

export class TurnRunner {
  /** The model call (or tenant tool calls) in flight; only this class changes it. */
  #running: RunningGeneration | null = null;
  /** The client tool calls the turn waits for. */
  #waiting: PendingToolCall | null = null;
  readonly #context: TurnContextBuilder;

  constructor(
    private readonly deps: ActorDeps,
    private readonly thread: ThreadRecord,
    private readonly writer: MessageWriter,
    private readonly log: ThreadLog,
    compaction: ThreadCompaction | null = null,
  ) {
    this.#context = new TurnContextBuilder(deps.catalog, compaction, deps.tokenizer ?? null);
  }

  /** Runs the turn from its first assistant message; `onSettled` fires when the caller may answer. */
  async run(
    command: SendCommand,
    tools: TurnTools,
    provider: ModelProvider,
    model: string,
    firstSeq: number,
    onSettled: () => void,
  ): Promise<void> {
    let seq = firstSeq;
    try {
      for (let step = 1; ; step++) {
        const last = step >= MAX_TOOL_STEPS;
        const stop = await this.#generate(command, tools, provider, model, seq, last);
        if (stop === null) return;
        if (last) return await this.#settleToolUse(seq, stop.usage);
        const results =
          tools.mode === "tenant"
            ? await this.#runTenantTools(tools, seq, stop)
            : await this.#awaitClientTools(seq, stop, onSettled);
        if (results === null) return;
        seq = await this.#continueWith(command, seq, results);
      }
    } finally {
      this.#running = null;
      this.#waiting = null;
      onSettled();
    }
  }

  /** The assistant message the runner is generating or waiting on, null when idle. */
  get busySeq(): number | null {
    return this.#running?.seq ?? this.#waiting?.seq ?? null;
  }

  /** Aborts a running model call (the actor stops); a tool wait is left for recovery. */
  abort(): void {
    this.#running?.controller.abort();
  }

  /** Records one client tool result; the turn goes on once every call is answered. */
  submitToolResult(toolUseId: string, content: string | Block[], isError: boolean): void {
    const waiting = this.#waiting;
    if (!waiting?.toolUses.some((t) => t.id === toolUseId)) {
      throw new NotFoundError("pending tool call with that tool_use_id");
    }
    waiting.results.set(toolUseId, { content, is_error: isError });
    if (waiting.results.size === waiting.toolUses.length) waiting.resolve("answered");
  }

  cancel(seq: number): boolean {
    if (this.#running?.seq === seq) {
      this.#running.controller.abort();
      return true;
    }
    if (this.#waiting?.seq === seq) {
      this.#waiting.resolve("cancelled");
      return true;
    }
    return false;
  }

  /**
   * The context's records: the branch message `seq` answers, with its summaries, from what the
   * actor holds, or from the store when that branch reaches back past it.
   */
  async #branchRecords(seq: number): Promise<MessageRecord[]> {
    const held = await this.writer.context.records();
    const fromMemory = branchContext(held, seq);
    if (fromMemory.complete) return fromMemory.records;
    const parent = held.find((r) => r.seq === seq)?.parent_seq ?? null;
    const stored = await this.deps.history.branchRecords(this.thread.id, parent);
    const own = held.filter((r) => r.seq === seq);
    return branchContext([...stored, ...own], seq).records;
  }

  /** Generates one assistant message. Returns its tool calls when it stopped to call tools. */
  async #generate(
    command: SendCommand,
    tools: TurnTools,
    provider: ModelProvider,
    model: string,
    seq: number,
    last: boolean,
  ): Promise<ToolStop | null> {
    const controller = new AbortController();
    this.#running = { seq, controller };
    const maxTokens = command.body.max_tokens ?? DEFAULT_MAX_TOKENS;
    const contextInput = {
      provider,
      model,
      canonicalModel: command.body.model ?? null,
      system: command.body.system ?? null,
      tools: tools.definitions,
      maxTokens,
      records: await this.#branchRecords(seq),
      seq,
    };
    await this.#context.prime(contextInput);
    const context = this.#context.build(contextInput);
    if (context.droppedThroughSeq !== null)
      this.deps.logger.debug("context cut to the model window", {
        thread: this.thread.id,
        through_seq: context.droppedThroughSeq,
        summary_seq: context.summarySeq,
        exact: context.exactMessages,
      });
    const result = await runGeneration({
      provider,
      seq,
      signal: controller.signal,
      emit: (body) => this.log.emit(seq, body),
      sleep: (ms) => new Promise<void>((r) => this.deps.clock.setTimeout(r, ms)),
      request: {
        model,
        system: context.system,
        messages: context.messages,
        tools: tools.definitions,
        maxTokens,
        temperature: command.body.temperature ?? null,
      },
    });
    this.#running = null;
    await this.log.flushed();
    const toolUses = (this.log.snapshot(seq)?.content ?? []).filter(
      (b): b is ToolUseBlock => b.type === "tool_use",
    );
    if (result.stopReason === "tool_use" && toolUses.length > 0 && tools.mode !== "none") {
      if (tools.mode === "client" && !last) {
        for (const toolUse of toolUses)
          this.log.emit(seq, { type: "tool.waiting", seq, tool_use: toolUse });
        await this.log.flushed();
      }
      return { toolUses, usage: result.usage };
    }
    await this.writer.settle(seq, {
      status: result.status,
      stopReason: result.stopReason,
      usage: result.usage,
      error: result.error,
      estimatedInputTokens: result.estimatedInputTokens,
    });
    return null;
  }

  async #settleToolUse(seq: number, usage: Usage): Promise<void> {
    await this.writer.settle(seq, {
      status: "completed",
      stopReason: "tool_use",
      usage,
      error: null,
    });
  }

  /** Calls the tenant's tools; the message stays in progress (and cancellable) meanwhile. */
  async #runTenantTools(
    tools: TurnTools,
    seq: number,
    stop: ToolStop,
  ): Promise<ToolResultBlock[] | null> {
    const controller = new AbortController();
    this.#running = { seq, controller };
    const context = { threadId: this.thread.id, seq, endUserId: this.thread.end_user_id };
    const results = await executeTenantTools(
      this.deps.toolExecutor,
      tools,
      stop.toolUses,
      context,
      controller.signal,
    );
    this.#running = null;
    if (controller.signal.aborted) {
      const settled = { status: "incomplete", stopReason: "cancelled", error: null } as const;
      await this.writer.settle(seq, { ...settled, usage: stop.usage });
      return null;
    }
    await this.#settleToolUse(seq, stop.usage);
    return results;
  }

  /** Waits for the client's tool results; null when the wait ended otherwise. */
  async #awaitClientTools(
    seq: number,
    stop: ToolStop,
    onSettled: () => void,
  ): Promise<ToolResultBlock[] | null> {
    const outcome = deferred<"answered" | "timeout" | "cancelled">();
    const pending: PendingToolCall = {
      seq,
      toolUses: stop.toolUses,
      results: new Map(),
      resolve: outcome.resolve,
    };
    this.#waiting = pending;
    onSettled();
    const timer = this.deps.clock.setTimeout(
      () => outcome.resolve("timeout"),
      this.deps.limits.toolWaitTimeoutMs,
    );
    const result = await outcome.promise;
    this.deps.clock.clearTimeout(timer);
    this.#waiting = null;
    if (result !== "answered") {
      const stopReason = result === "timeout" ? "tool_wait_timeout" : "cancelled";
      await this.writer.settle(seq, {
        status: "incomplete",
        stopReason,
        usage: stop.usage,
        error: null,
      });
      return null;
    }
    await this.#settleToolUse(seq, stop.usage);
    return stop.toolUses.map((toolUse) => {
      const answer = pending.results.get(toolUse.id)!;
      return {
        type: "tool_result",
        tool_use_id: toolUse.id,
        content: answer.content as ToolResultBlock["content"],
        is_error: answer.is_error,
      };
    });
  }

  /** Appends the `tool` message and opens the next assistant message; returns its seq. */
  async #continueWith(
    command: SendCommand,
    seq: number,
    results: ToolResultBlock[],
  ): Promise<number> {
    const model = command.body.model ?? null;
    const appended = await this.writer.append(
      [
        { role: "tool", content: results, status: "completed", model: null, requestId: null },
        { role: "assistant", content: [], status: "in_progress", model, requestId: null },
      ],
      // After the assistant message that called the tools, wherever the head is meanwhile.
      { requestId: null, fingerprint: "", ifLastSeq: null, parentSeq: seq },
    );
    return appended.seqs[1]!;
  }
}

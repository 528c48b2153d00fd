/**
 * Spool stream events → AI SDK UI message chunks, for one turn. One assistant UIMessage spans the
 * whole turn: each assistant message is a step (start-step … finish-step), a `tool` message's
 * results are tool-output chunks, and `finish` carries the turn's usage in message metadata.
 * Part ids are `<seq>:<index>`, so a replay names the same parts. No I/O: the sink feeds events
 * in order and writes what comes out. Unit-tested in test/unit/ui-stream-translator.test.ts.
 */
import type { Block } from "../../../protocol/blocks.ts";
import type { StreamEvent } from "../../../protocol/events.ts";
import type { Message } from "../../../protocol/objects.ts";
import {
  addUsage,
  finishReasonOf,
  imageFile,
  toolOutputOf,
  type UsageSum,
  usageMetadata,
} from "./ui-content.ts";
import type { UiChunk, UiFinishReason } from "./ui-types.ts";

export interface TranslatorOptions {
  threadId: string;
  /** The UIMessage id to announce; null: the id of the first assistant message seen. */
  messageId: string | null;
  /**
   * An assistant message whose content the client already has (a continuation after client
   * tool outputs): its blocks are not repeated, only its usage is counted.
   */
  knownSeq?: number | null;
}

interface OpenPart {
  kind: "text" | "reasoning" | "tool";
  id: string;
  toolName: string;
  json: string;
  input: Record<string, unknown>;
}

export class UiStreamTranslator {
  readonly #options: TranslatorOptions;
  #started = false;
  #step: number | null = null;
  readonly #open = new Map<string, OpenPart>();
  readonly #toolUses = new Map<number, string[]>();
  readonly #usage: UsageSum = { input: 0, output: 0, estimated: false, counted: 0 };
  #last: Pick<Message, "seq" | "status" | "stop_reason" | "model"> | null = null;

  constructor(options: TranslatorOptions) {
    this.#options = options;
  }

  /** Id of the last tool_use block seen in message `seq` (null: none). */
  lastToolUseId(seq: number): string | null {
    return this.#toolUses.get(seq)?.at(-1) ?? null;
  }

  /** Whether message `seq` is one the client already has (its tool wait is answered). */
  isKnown(seq: number): boolean {
    return seq === this.#options.knownSeq;
  }

  /** Chunks to send before any event (the `start` chunk when the message id is known). */
  begin(): UiChunk[] {
    return this.#options.messageId === null ? [] : this.#start(this.#options.messageId);
  }

  translate(event: StreamEvent): UiChunk[] {
    if (event.type === "message.created") return this.#created(event.message);
    if (event.type === "stream.reset") return this.#reset(event.message);
    const seq = "seq" in event ? event.seq : event.message.seq;
    if (seq === this.#options.knownSeq) {
      if (event.type !== "message.completed" && event.type !== "message.incomplete") return [];
      addUsage(this.#usage, event.message.usage);
      this.#last = event.message;
      return [];
    }
    switch (event.type) {
      case "block.start":
        return this.#blockStart(event.seq, event.index, event.block);
      case "block.delta":
        return this.#blockDelta(event.seq, event.index, event.delta);
      case "block.stop":
        return this.#blockStop(event.seq, event.index);
      case "tool.waiting":
        return [];
      default:
        return this.#final(event.message);
    }
  }

  /** The chunks that end the stream: `finish`, with the turn's usage and its finish reason. */
  end(waitingForTools: boolean): UiChunk[] {
    const out = this.#started ? [] : this.#start(null);
    out.push(...this.#closeStep());
    const last = this.#last;
    const finishReason: UiFinishReason | null = waitingForTools
      ? "tool-calls"
      : last
        ? finishReasonOf(last)
        : null;
    out.push({
      type: "finish",
      ...(finishReason ? { finishReason } : {}),
      messageMetadata: {
        thread_id: this.#options.threadId,
        ...(last ? { seq: last.seq, model: last.model, stop_reason: last.stop_reason } : {}),
        ...usageMetadata(this.#usage),
      },
    });
    return out;
  }

  #start(messageId: string | null): UiChunk[] {
    this.#started = true;
    return [
      {
        type: "start",
        ...(messageId ? { messageId } : {}),
        messageMetadata: { thread_id: this.#options.threadId },
      },
    ];
  }

  #created(message: Message): UiChunk[] {
    if (message.role === "user") return [];
    const out = this.#started ? [] : this.#start(message.role === "assistant" ? message.id : null);
    if (message.role === "tool") {
      for (const block of message.content) {
        if (block.type !== "tool_result") continue;
        out.push(
          block.is_error
            ? {
                type: "tool-output-error",
                toolCallId: block.tool_use_id,
                errorText: String(toolOutputOf(block.content)),
              }
            : {
                type: "tool-output-available",
                toolCallId: block.tool_use_id,
                output: toolOutputOf(block.content),
              },
        );
      }
      return out;
    }
    if (message.seq === this.#options.knownSeq) return out;
    out.push(...this.#openStep(message.seq));
    message.content.forEach((block, index) => {
      out.push(
        ...this.#blockStart(message.seq, index, block),
        ...this.#blockStop(message.seq, index),
      );
    });
    return out;
  }

  #openStep(seq: number): UiChunk[] {
    if (this.#step === seq) return [];
    const out = this.#closeStep();
    this.#step = seq;
    out.push({ type: "start-step" });
    return out;
  }

  #closeStep(): UiChunk[] {
    if (this.#step === null) return [];
    const out: UiChunk[] = [];
    for (const key of [...this.#open.keys()]) {
      if (key.startsWith(`${this.#step}:`)) out.push(...this.#closePart(key));
    }
    this.#step = null;
    out.push({ type: "finish-step" });
    return out;
  }

  #blockStart(seq: number, index: number, block: Block): UiChunk[] {
    const out = this.#openStep(seq);
    const id = `${seq}:${index}`;
    const part = { id, toolName: "", json: "", input: {} };
    if (block.type === "text") {
      this.#open.set(id, { ...part, kind: "text" });
      out.push({ type: "text-start", id });
      if (block.text) out.push({ type: "text-delta", id, delta: block.text });
    } else if (block.type === "thinking") {
      this.#open.set(id, { ...part, kind: "reasoning" });
      out.push({ type: "reasoning-start", id });
      if (block.thinking) out.push({ type: "reasoning-delta", id, delta: block.thinking });
    } else if (block.type === "tool_use") {
      this.#open.set(id, {
        ...part,
        kind: "tool",
        id: block.id,
        toolName: block.name,
        input: block.input,
      });
      this.#toolUses.set(seq, [...(this.#toolUses.get(seq) ?? []), block.id]);
      out.push({ type: "tool-input-start", toolCallId: block.id, toolName: block.name });
    } else if (block.type === "image") {
      out.push({ type: "file", ...imageFile(block.source) });
    }
    return out;
  }

  #blockDelta(seq: number, index: number, delta: BlockDeltaOf): UiChunk[] {
    const part = this.#open.get(`${seq}:${index}`);
    if (!part) return []; // a delta of a block this stream never opened (cannot happen from a start)
    if (delta.type === "text_delta" && part.kind === "text")
      return [{ type: "text-delta", id: part.id, delta: delta.text }];
    if (delta.type === "thinking_delta" && part.kind === "reasoning")
      return [{ type: "reasoning-delta", id: part.id, delta: delta.thinking }];
    if (delta.type === "input_json_delta" && part.kind === "tool") {
      part.json += delta.partial_json;
      return [
        { type: "tool-input-delta", toolCallId: part.id, inputTextDelta: delta.partial_json },
      ];
    }
    return [];
  }

  #blockStop(seq: number, index: number): UiChunk[] {
    return this.#closePart(`${seq}:${index}`);
  }

  #closePart(key: string): UiChunk[] {
    const part = this.#open.get(key);
    if (!part) return [];
    this.#open.delete(key);
    if (part.kind === "text") return [{ type: "text-end", id: part.id }];
    if (part.kind === "reasoning") return [{ type: "reasoning-end", id: part.id }];
    return [
      {
        type: "tool-input-available",
        toolCallId: part.id,
        toolName: part.toolName,
        input: parsedInput(part),
      },
    ];
  }

  #final(message: Message): UiChunk[] {
    if (message.role !== "assistant") return [];
    addUsage(this.#usage, message.usage);
    this.#last = message;
    const out = this.#step === message.seq ? this.#closeStep() : [];
    if (message.status === "failed") {
      out.push({ type: "error", errorText: message.error?.message ?? "The generation failed." });
    }
    return out;
  }

  /** The server could not continue from a cursor: the step is rebuilt from the full message. */
  #reset(message: Message): UiChunk[] {
    if (message.role !== "assistant") return this.#created(message);
    const out: UiChunk[] = [];
    if (this.#step === message.seq) {
      for (const key of [...this.#open.keys()])
        if (key.startsWith(`${message.seq}:`)) this.#open.delete(key);
      this.#toolUses.delete(message.seq);
      out.push({ type: "reset-step" });
      this.#step = null;
    }
    out.push(...this.#created({ ...message, content: [] }));
    const last = message.content.length - 1;
    message.content.forEach((block, index) => {
      out.push(...this.#blockStart(message.seq, index, block));
      if (index < last || message.status !== "in_progress")
        out.push(...this.#blockStop(message.seq, index));
    });
    if (message.status !== "in_progress") out.push(...this.#final(message));
    return out;
  }
}

type BlockDeltaOf = Extract<StreamEvent, { type: "block.delta" }>["delta"];

function parsedInput(part: OpenPart): unknown {
  if (!part.json) return part.input;
  try {
    return JSON.parse(part.json) as unknown;
  } catch {
    return part.input; // the stored message keeps what the provider gave; the UI gets the same
  }
}

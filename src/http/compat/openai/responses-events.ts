/**
 * Spool assistant message → OpenAI Responses (pure): the `response` object, and its stream of
 * events numbered by `sequence_number` from 0 as OpenAI numbers them. Each Spool block is one
 * output item (text → `message`, thinking → `reasoning`, tool_use → `function_call`), at
 * `output_index` = the block's index. Numbering depends only on the message's Spool events, so
 * replaying them from offset 0 regenerates it exactly: that is how `starting_after=N` resumes
 * (`skipThrough`), whatever provider made the message.
 */
import type { Block } from "../../../protocol/blocks.ts";
import type { StreamEvent } from "../../../protocol/events.ts";
import type { Message } from "../../../protocol/objects.ts";
import type { FrameMapper } from "../shared/compat-sse.ts";
import { outcomeOf } from "../shared/turn-outcome.ts";
import { type TurnPart, TurnParts } from "../shared/turn-parts.ts";

export interface ResponseMeta {
  id: string;
  model: string;
  threadId: string;
  previousResponseId: string | null;
  instructions: string | null;
}

function itemId(message: Message, block: Block, index: number): string {
  const base = message.id.replace(/^msg_/, "");
  const prefix = block.type === "tool_use" ? "fc" : block.type === "thinking" ? "rs" : "msg";
  return `${prefix}_${base}_${index}`;
}

export function outputItem(message: Message, block: Block, index: number, done: boolean) {
  const id = itemId(message, block, index);
  const status = done ? "completed" : "in_progress";
  switch (block.type) {
    case "tool_use":
      return {
        id,
        type: "function_call",
        status,
        call_id: block.id,
        name: block.name,
        arguments: done ? JSON.stringify(block.input) : "",
      };
    case "thinking":
      return {
        id,
        type: "reasoning",
        status,
        summary: [],
        content: done ? [{ type: "reasoning_text", text: block.thinking }] : [],
        encrypted_content: block.signature ?? null,
      };
    default: {
      const text = block.type === "text" ? block.text : "";
      const parts = done ? [{ type: "output_text", text, annotations: [], logprobs: [] }] : [];
      return { id, type: "message", status, role: "assistant", content: parts };
    }
  }
}

export function responseObject(message: Message, meta: ResponseMeta, live = false) {
  const outcome = outcomeOf(message);
  const status =
    message.status === "in_progress" && live
      ? "in_progress"
      : outcome.stop === "failed"
        ? "failed"
        : outcome.stop === "cancelled"
          ? "cancelled"
          : outcome.stop === "max_tokens"
            ? "incomplete"
            : message.status === "in_progress" && outcome.stop !== "tool_use"
              ? "in_progress"
              : "completed";
  const done = status !== "in_progress";
  const output = message.content
    .filter((b) => b.type !== "tool_result" && b.type !== "image")
    .map((b, i) => outputItem(message, b, i, done));
  return {
    id: meta.id,
    object: "response",
    created_at: Math.floor(Date.parse(message.created_at) / 1000),
    status,
    model: meta.model,
    output,
    error:
      status === "failed"
        ? { code: "server_error", message: outcome.error?.message ?? "The generation failed." }
        : null,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: meta.instructions,
    metadata: {},
    parallel_tool_calls: true,
    temperature: null,
    tool_choice: "auto",
    tools: [],
    top_p: null,
    previous_response_id: meta.previousResponseId,
    conversation: { id: meta.threadId },
    store: true,
    text: { format: { type: "text" } },
    truncation: "disabled",
    usage: done
      ? {
          input_tokens: outcome.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: outcome.outputTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: outcome.inputTokens + outcome.outputTokens,
        }
      : null,
  };
}

type Event = { type: string; [key: string]: unknown };

export class ResponsesMapper implements FrameMapper {
  readonly #parts = new TurnParts();
  #next = 0;
  #message: Message | null = null;

  /** `skipThrough`: events numbered up to it were read before (`starting_after`); -1 for none. */
  constructor(
    private readonly meta: ResponseMeta,
    private readonly skipThrough = -1,
  ) {}

  frames(event: StreamEvent): string {
    let out = "";
    for (const part of this.#parts.push(event)) {
      for (const e of this.#events(part)) {
        const sequence = this.#next++;
        if (sequence <= this.skipThrough) continue;
        out += `event: ${e.type}\ndata: ${JSON.stringify({ ...e, sequence_number: sequence })}\n\n`;
      }
    }
    return out;
  }

  finish(): string {
    return "";
  }

  #events(part: TurnPart): Event[] {
    switch (part.type) {
      case "start": {
        this.#message = part.message;
        const response = responseObject(part.message, this.meta, true);
        return [
          { type: "response.created", response },
          { type: "response.in_progress", response },
        ];
      }
      case "block_start":
        return this.#blockStart(part.index, part.block);
      case "block_delta":
        return this.#delta(part);
      case "block_stop":
        return this.#blockStop(part.index, part.block);
      case "end":
        return [this.#end(part.message)];
    }
  }

  #ids(index: number, block: Block) {
    return { item_id: itemId(this.#message!, block, index), output_index: index };
  }

  #blockStart(index: number, block: Block): Event[] {
    const item = outputItem(this.#message!, block, index, false);
    const added: Event = { type: "response.output_item.added", output_index: index, item };
    if (block.type !== "text") return [added];
    const part = { type: "output_text", text: "", annotations: [], logprobs: [] };
    return [
      added,
      { type: "response.content_part.added", ...this.#ids(index, block), content_index: 0, part },
    ];
  }

  #delta(part: Extract<TurnPart, { type: "block_delta" }>): Event[] {
    const d = part.delta;
    const ids = {
      item_id: `${this.#prefix(d.type)}_${this.#message!.id.replace(/^msg_/, "")}_${part.index}`,
      output_index: part.index,
    };
    if (d.type === "text_delta")
      return [
        {
          type: "response.output_text.delta",
          ...ids,
          content_index: 0,
          delta: d.text,
          logprobs: [],
        },
      ];
    if (d.type === "thinking_delta")
      return [
        { type: "response.reasoning_text.delta", ...ids, content_index: 0, delta: d.thinking },
      ];
    if (d.partial_json === "") return [];
    return [{ type: "response.function_call_arguments.delta", ...ids, delta: d.partial_json }];
  }

  #prefix(delta: string): string {
    return delta === "input_json_delta" ? "fc" : delta === "thinking_delta" ? "rs" : "msg";
  }

  #blockStop(index: number, block: Block): Event[] {
    const ids = this.#ids(index, block);
    const item = outputItem(this.#message!, block, index, true);
    const itemDone: Event = { type: "response.output_item.done", output_index: index, item };
    if (block.type === "tool_use") {
      const args = JSON.stringify(block.input);
      return [
        {
          type: "response.function_call_arguments.done",
          ...ids,
          name: block.name,
          arguments: args,
        },
        itemDone,
      ];
    }
    if (block.type === "thinking")
      return [
        { type: "response.reasoning_text.done", ...ids, content_index: 0, text: block.thinking },
        itemDone,
      ];
    const text = block.type === "text" ? block.text : "";
    const part = { type: "output_text", text, annotations: [], logprobs: [] };
    return [
      { type: "response.output_text.done", ...ids, content_index: 0, text, logprobs: [] },
      { type: "response.content_part.done", ...ids, content_index: 0, part },
      itemDone,
    ];
  }

  #end(message: Message): Event {
    const response = responseObject(message, this.meta);
    const type =
      response.status === "failed"
        ? "response.failed"
        : response.status === "completed"
          ? "response.completed"
          : "response.incomplete";
    return { type, response };
  }
}

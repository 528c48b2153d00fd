/**
 * A thread's finished history as AI SDK `UIMessage[]` (`GET …/messages?format=ui`), shaped as the
 * UI stream builds it: one assistant UIMessage per turn (id: the turn's first assistant message),
 * a step per assistant message, tool parts whose state follows the `tool` messages. A turn still
 * running is left out: `GET /v1/ui/chat/:id/stream` replays it whole. Pure.
 */
import type { Block } from "../../../protocol/blocks.ts";
import type { Message } from "../../../protocol/objects.ts";
import { addUsage, imageFile, toolOutputOf, type UsageSum, usageMetadata } from "./ui-content.ts";
import type { UiMessage, UiPart } from "./ui-types.ts";

interface Group {
  message: UiMessage;
  running: boolean;
  usage: UsageSum;
}

export function toUiMessages(threadId: string, records: Message[]): UiMessage[] {
  const out: UiMessage[] = [];
  let group: Group | null = null;
  const close = () => {
    if (group && !group.running) out.push(group.message);
    group = null;
  };
  for (const record of records) {
    if (record.role === "user") {
      close();
      out.push({ id: record.id, role: "user", parts: record.content.flatMap(userPart) });
    } else if (record.role === "assistant") {
      group ??= {
        message: { id: record.id, role: "assistant", parts: [] },
        running: false,
        usage: { input: 0, output: 0, estimated: false, counted: 0 },
      };
      addStep(group, threadId, record);
    } else if (record.role === "tool" && group) {
      addResults(group.message, record.content);
    }
  }
  close();
  return out;
}

function userPart(block: Block): UiPart[] {
  if (block.type === "text") return [{ type: "text", text: block.text }];
  if (block.type === "image") return [{ type: "file", ...imageFile(block.source) }];
  return [];
}

function addStep(group: Group, threadId: string, record: Message): void {
  group.running ||= record.status === "in_progress";
  addUsage(group.usage, record.usage);
  group.message.metadata = {
    thread_id: threadId,
    seq: record.seq,
    model: record.model,
    stop_reason: record.stop_reason,
    ...usageMetadata(group.usage),
  };
  const parts = group.message.parts;
  parts.push({ type: "step-start" });
  for (const block of record.content) {
    if (block.type === "text") parts.push({ type: "text", text: block.text, state: "done" });
    else if (block.type === "thinking")
      parts.push({ type: "reasoning", text: block.thinking, state: "done" });
    else if (block.type === "image") parts.push({ type: "file", ...imageFile(block.source) });
    else if (block.type === "tool_use") {
      parts.push({
        type: `tool-${block.name}`,
        toolCallId: block.id,
        state: "input-available",
        input: block.input,
      });
    }
  }
}

function addResults(message: UiMessage, content: Block[]): void {
  for (const block of content) {
    if (block.type !== "tool_result") continue;
    const index = message.parts.findIndex(
      (p) => "toolCallId" in p && p.toolCallId === block.tool_use_id,
    );
    const part = message.parts[index];
    if (!part || !("toolCallId" in part)) continue;
    const output = toolOutputOf(block.content);
    const { type, toolCallId, input } = part;
    message.parts[index] = block.is_error
      ? { type, toolCallId, state: "output-error", input, errorText: String(output) }
      : { type, toolCallId, state: "output-available", input, output };
  }
}

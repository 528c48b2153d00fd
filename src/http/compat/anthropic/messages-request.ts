/**
 * Anthropic Messages request → a Spool turn (pure). Content blocks map one to one (text, image,
 * tool_use, tool_result, thinking with its signature); a user turn that carries tool results
 * becomes Spool's `tool` message. `cache_control` hints are accepted and dropped (Spool places
 * cache breakpoints itself); `redacted_thinking` is history Spool cannot use and is dropped.
 * Parameters outside SUPPORTED, server tools, forced tool choices and thinking settings (Spool
 * does not pass them on; thinking a model produces is still streamed, with its signature) are a
 * 400 naming them.
 */
import type { ConversationMessage } from "../../../domain/history-fingerprint.ts";
import type { Block } from "../../../protocol/blocks.ts";
import { InvalidRequestError } from "../../../protocol/errors.ts";
import type { SendTool } from "../../../protocol/requests.ts";
import type { TurnRequest } from "../openai/chat-request.ts";
import { type JsonObject, rejectUnsupported } from "../shared/compat-request.ts";
import {
  checkConversation,
  checkTools,
  MAX_COMPAT_MESSAGES,
  MAX_COMPAT_TOOLS,
} from "../shared/conversation-bounds.ts";
import {
  arrayAt,
  objectAt,
  optBool,
  optInt,
  optNumber,
  optString,
  reqString,
} from "../shared/fields.ts";

export const MESSAGES_SUPPORTED = [
  "model",
  "messages",
  "max_tokens",
  "system",
  "stream",
  "tools",
  "tool_choice",
  "temperature",
  "metadata",
  "thinking",
] as const;

export function parseMessagesRequest(body: JsonObject): TurnRequest {
  rejectUnsupported(body, MESSAGES_SUPPORTED);
  const maxTokens = optInt(body, "max_tokens", 1, 1_000_000);
  if (maxTokens === undefined)
    throw new InvalidRequestError("max_tokens is required.", "max_tokens");
  if (body.thinking !== undefined && objectAt(body.thinking, "thinking").type !== "disabled")
    throw new InvalidRequestError(
      'Spool does not pass thinking settings to models (only {type: "disabled"} is accepted); thinking a model produces is streamed with its signature.',
      "thinking",
    );
  const metadata = body.metadata === undefined ? {} : objectAt(body.metadata, "metadata");
  rejectUnsupported(metadata, ["user_id"]);
  const choice =
    body.tool_choice === undefined ? { type: "auto" } : objectAt(body.tool_choice, "tool_choice");
  if (choice.type !== "auto" && choice.type !== "none")
    throw new InvalidRequestError(
      'tool_choice must be {type: "auto"} or {type: "none"}.',
      "tool_choice.type",
    );
  rejectUnsupported(choice, ["type", "disable_parallel_tool_use"]);
  if (choice.disable_parallel_tool_use === true)
    throw new InvalidRequestError(
      "disable_parallel_tool_use is not supported.",
      "tool_choice.disable_parallel_tool_use",
    );
  const tools = parseTools(body.tools);
  return {
    model: reqString(body, "model"),
    stream: optBool(body, "stream") ?? false,
    includeUsage: true,
    system: systemOf(body.system),
    messages: parseMessages(body.messages),
    tools: choice.type === "none" ? [] : tools,
    maxTokens,
    temperature: optNumber(body, "temperature", 0, 1),
    user: optString(metadata, "user_id", "metadata.user_id") ?? null,
  };
}

function systemOf(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === "string") return raw === "" ? null : raw;
  const texts = arrayAt(raw, "system", 256).map((item, i) => {
    const block = objectAt(item, `system[${i}]`);
    if (block.type !== "text")
      throw new InvalidRequestError("system blocks must be text.", `system[${i}].type`);
    return reqString(block, "text", `system[${i}].text`);
  });
  return texts.length > 0 ? texts.join("\n\n") : null;
}

function parseTools(raw: unknown): SendTool[] {
  if (raw === undefined || raw === null) return [];
  const tools = arrayAt(raw, "tools", MAX_COMPAT_TOOLS).map((item, i) => {
    const param = `tools[${i}]`;
    const tool = objectAt(item, param);
    if (tool.type !== undefined && tool.type !== "custom")
      throw new InvalidRequestError("Only custom (client) tools are supported.", `${param}.type`);
    rejectUnsupported(tool, ["type", "name", "description", "input_schema", "cache_control"]);
    const description = optString(tool, "description", `${param}.description`);
    return {
      name: reqString(tool, "name", `${param}.name`),
      ...(description === undefined ? {} : { description }),
      input_schema: objectAt(tool.input_schema, `${param}.input_schema`),
    };
  });
  checkTools(tools, "tools");
  return tools;
}

function block(raw: unknown, param: string, role: "user" | "assistant"): Block | null {
  const b = objectAt(raw, param);
  const type = b.type;
  const allowed =
    role === "assistant"
      ? ["text", "tool_use", "thinking", "redacted_thinking"]
      : ["text", "image", "tool_result"];
  if (typeof type !== "string" || !allowed.includes(type))
    throw new InvalidRequestError(
      `Unsupported ${role} content block type "${String(type)}".`,
      `${param}.type`,
    );
  switch (type) {
    case "text":
      return { type: "text", text: reqString(b, "text", `${param}.text`) };
    case "image":
      return { type: "image", source: objectAt(b.source, `${param}.source`) as never };
    case "tool_use":
      return {
        type: "tool_use",
        id: reqString(b, "id", `${param}.id`),
        name: reqString(b, "name", `${param}.name`),
        input: objectAt(b.input ?? {}, `${param}.input`),
      };
    case "tool_result": {
      const content = b.content ?? "";
      const parts =
        typeof content === "string"
          ? content
          : arrayAt(content, `${param}.content`, 256).map(
              (p, j) => block(p, `${param}.content[${j}]`, "user")!,
            );
      return {
        type: "tool_result",
        tool_use_id: reqString(b, "tool_use_id", `${param}.tool_use_id`),
        content: parts as never,
        is_error: optBool(b, "is_error", `${param}.is_error`) ?? false,
      };
    }
    case "thinking": {
      const signature = optString(b, "signature", `${param}.signature`);
      const thinking = optString(b, "thinking", `${param}.thinking`) ?? "";
      return signature ? { type: "thinking", thinking, signature } : { type: "thinking", thinking };
    }
    default:
      return null; // redacted_thinking: opaque to Spool, dropped
  }
}

function parseMessages(raw: unknown): ConversationMessage[] {
  const items = arrayAt(raw, "messages", MAX_COMPAT_MESSAGES);
  if (items.length === 0) throw new InvalidRequestError("messages must not be empty.", "messages");
  const messages = items.map((item, i): ConversationMessage => {
    const param = `messages[${i}]`;
    const m = objectAt(item, param);
    if (m.role !== "user" && m.role !== "assistant")
      throw new InvalidRequestError('role must be "user" or "assistant".', `${param}.role`);
    const role = m.role;
    const content =
      typeof m.content === "string"
        ? [{ type: "text" as const, text: m.content }]
        : arrayAt(m.content, `${param}.content`, 256).flatMap(
            (b, j) => block(b, `${param}.content[${j}]`, role) ?? [],
          );
    const results = content.some((b) => b.type === "tool_result");
    return { role: results ? "tool" : role, content };
  });
  checkConversation(messages, "messages");
  return messages;
}

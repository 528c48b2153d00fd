/**
 * OpenAI Chat Completions request → a Spool turn (pure). System and developer messages become the
 * system prompt; user text and images, assistant text and `tool_calls`, and `tool` messages
 * become Spool blocks (consecutive tool messages one `tool` message, as Spool stores them).
 * Parameters outside SUPPORTED are a 400 naming them, as are values Spool cannot honour
 * (`n` > 1, `tool_choice` other than auto/none, `parallel_tool_calls: false`).
 */
import type { ConversationMessage } from "../../../domain/history-fingerprint.ts";
import type { Block } from "../../../protocol/blocks.ts";
import { InvalidRequestError } from "../../../protocol/errors.ts";
import type { SendTool } from "../../../protocol/requests.ts";
import { type JsonObject, rejectUnsupported, type TurnRequest } from "../shared/compat-request.ts";
import {
  checkConversation,
  checkTools,
  MAX_COMPAT_MESSAGES,
  MAX_COMPAT_TOOLS,
} from "../shared/conversation-bounds.ts";
import {
  arrayAt,
  imageFromUrl,
  objectAt,
  optBool,
  optInt,
  optNumber,
  optString,
  parseArguments,
  reqString,
} from "../shared/fields.ts";

export const CHAT_SUPPORTED = [
  "model",
  "messages",
  "stream",
  "stream_options",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "user",
  "n",
] as const;

export type { TurnRequest };

const MAX_OUTPUT_TOKENS = 1_000_000;

export function parseChatRequest(body: JsonObject): TurnRequest {
  rejectUnsupported(body, CHAT_SUPPORTED);
  const model = reqString(body, "model");
  const stream = optBool(body, "stream") ?? false;
  const options =
    body.stream_options === undefined ? {} : objectAt(body.stream_options, "stream_options");
  rejectUnsupported(options, ["include_usage", "include_obfuscation"]);
  if ((optInt(body, "n", 1, 1) ?? 1) !== 1) throw new InvalidRequestError("n must be 1.", "n");
  if (optBool(body, "parallel_tool_calls") === false)
    throw new InvalidRequestError(
      "parallel_tool_calls: false is not supported.",
      "parallel_tool_calls",
    );
  const choice = body.tool_choice ?? "auto";
  if (choice !== "auto" && choice !== "none")
    throw new InvalidRequestError('tool_choice must be "auto" or "none".', "tool_choice");
  const tools = parseTools(body.tools);
  const { system, messages } = parseMessages(body.messages);
  return {
    model,
    stream,
    includeUsage: optBool(options, "include_usage", "stream_options.include_usage") ?? false,
    system,
    messages,
    tools: choice === "none" ? [] : tools,
    maxTokens:
      optInt(body, "max_completion_tokens", 1, MAX_OUTPUT_TOKENS) ??
      optInt(body, "max_tokens", 1, MAX_OUTPUT_TOKENS),
    temperature: optNumber(body, "temperature", 0, 2),
    user: optString(body, "user") ?? null,
  };
}

function parseTools(raw: unknown): SendTool[] {
  if (raw === undefined || raw === null) return [];
  const tools = arrayAt(raw, "tools", MAX_COMPAT_TOOLS).map((item, i) => {
    const param = `tools[${i}]`;
    const tool = objectAt(item, param);
    if (tool.type !== "function")
      throw new InvalidRequestError(
        'Only tools of type "function" are supported.',
        `${param}.type`,
      );
    const fn = objectAt(tool.function, `${param}.function`);
    rejectUnsupported(fn, ["name", "description", "parameters", "strict"]);
    const description = optString(fn, "description", `${param}.function.description`);
    const parameters =
      fn.parameters === undefined
        ? { type: "object" }
        : objectAt(fn.parameters, `${param}.function.parameters`);
    return {
      name: reqString(fn, "name", `${param}.function.name`),
      ...(description === undefined ? {} : { description }),
      input_schema: parameters,
    };
  });
  checkTools(tools, "tools");
  return tools;
}

function textParts(content: unknown, param: string, allowImages: boolean): Block[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  return arrayAt(content, param, 256).map((item, i) => {
    const part = objectAt(item, `${param}[${i}]`);
    if (part.type === "text")
      return { type: "text" as const, text: reqString(part, "text", `${param}[${i}].text`) };
    if (part.type === "image_url" && allowImages) {
      const image = objectAt(part.image_url, `${param}[${i}].image_url`);
      return imageFromUrl(
        reqString(image, "url", `${param}[${i}].image_url.url`),
        `${param}[${i}].image_url.url`,
      );
    }
    throw new InvalidRequestError(
      `Unsupported content part type "${String(part.type)}".`,
      `${param}[${i}].type`,
    );
  });
}

function parseMessages(raw: unknown): { system: string | null; messages: ConversationMessage[] } {
  const items = arrayAt(raw, "messages", MAX_COMPAT_MESSAGES);
  if (items.length === 0) throw new InvalidRequestError("messages must not be empty.", "messages");
  const system: string[] = [];
  const messages: ConversationMessage[] = [];
  items.forEach((item, i) => {
    const param = `messages[${i}]`;
    const m = objectAt(item, param);
    switch (m.role) {
      case "system":
      case "developer":
        for (const b of textParts(m.content, `${param}.content`, false))
          if (b.type === "text") system.push(b.text);
        return;
      case "user":
        messages.push({ role: "user", content: textParts(m.content, `${param}.content`, true) });
        return;
      case "assistant":
        messages.push({ role: "assistant", content: assistantContent(m, param) });
        return;
      case "tool":
        pushToolResult(messages, m, param);
        return;
      default:
        throw new InvalidRequestError(
          'role must be "system", "developer", "user", "assistant" or "tool".',
          `${param}.role`,
        );
    }
  });
  checkConversation(messages, "messages");
  return { system: system.length > 0 ? system.join("\n\n") : null, messages };
}

function assistantContent(m: JsonObject, param: string): Block[] {
  const content = textParts(m.content, `${param}.content`, false);
  if (m.tool_calls === undefined || m.tool_calls === null) return content;
  arrayAt(m.tool_calls, `${param}.tool_calls`, 128).forEach((raw, j) => {
    const where = `${param}.tool_calls[${j}]`;
    const call = objectAt(raw, where);
    const fn = objectAt(call.function, `${where}.function`);
    content.push({
      type: "tool_use",
      id: reqString(call, "id", `${where}.id`),
      name: reqString(fn, "name", `${where}.function.name`),
      input: parseArguments(fn.arguments ?? "{}", `${where}.function.arguments`),
    });
  });
  return content;
}

function pushToolResult(messages: ConversationMessage[], m: JsonObject, param: string): void {
  const toolUseId = reqString(m, "tool_call_id", `${param}.tool_call_id`);
  const parts = textParts(m.content, `${param}.content`, false);
  const text = parts.map((b) => (b.type === "text" ? b.text : "")).join("");
  const block: Block = {
    type: "tool_result",
    tool_use_id: toolUseId,
    content: text,
    is_error: false,
  };
  const last = messages[messages.length - 1];
  if (last?.role === "tool") last.content.push(block);
  else messages.push({ role: "tool", content: [block] });
}

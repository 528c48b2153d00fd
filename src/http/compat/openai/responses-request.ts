/**
 * OpenAI Responses request → a Spool turn (pure). `input` (a string or items: messages,
 * `function_call`, `function_call_output`; `reasoning` items are history Spool cannot use and are
 * dropped) becomes Spool messages; `instructions` and system/developer messages the system prompt.
 * `conversation` (a thread id) and `previous_response_id` name the thread, and then every input
 * item is new. Parameters outside SUPPORTED, and values Spool cannot honour (`store: false`, a
 * `text.format` other than text, tool choices other than auto/none), are a 400 naming them.
 */
import type { ConversationMessage } from "../../../domain/history-fingerprint.ts";
import type { Block } from "../../../protocol/blocks.ts";
import { InvalidRequestError } from "../../../protocol/errors.ts";
import type { SendTool } from "../../../protocol/requests.ts";
import { checkThreadId, type JsonObject, rejectUnsupported } from "../shared/compat-request.ts";
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
import type { TurnRequest } from "./chat-request.ts";

export const RESPONSES_SUPPORTED = [
  "model",
  "input",
  "instructions",
  "stream",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "max_output_tokens",
  "temperature",
  "user",
  "safety_identifier",
  "conversation",
  "previous_response_id",
  "store",
  "text",
] as const;

export interface ResponsesRequest extends TurnRequest {
  conversation: string | null;
  previousResponseId: string | null;
}

export function parseResponsesRequest(body: JsonObject): ResponsesRequest {
  rejectUnsupported(body, RESPONSES_SUPPORTED);
  if (optBool(body, "store") === false)
    throw new InvalidRequestError(
      "Spool stores every response: store: false is not supported.",
      "store",
    );
  if (optBool(body, "parallel_tool_calls") === false)
    throw new InvalidRequestError(
      "parallel_tool_calls: false is not supported.",
      "parallel_tool_calls",
    );
  if (body.text !== undefined) {
    const text = objectAt(body.text, "text");
    rejectUnsupported(text, ["format"]);
    const format =
      text.format === undefined ? { type: "text" } : objectAt(text.format, "text.format");
    if (format.type !== "text")
      throw new InvalidRequestError('Only text.format {type: "text"} is supported.', "text.format");
  }
  const choice = body.tool_choice ?? "auto";
  if (choice !== "auto" && choice !== "none")
    throw new InvalidRequestError('tool_choice must be "auto" or "none".', "tool_choice");
  const conversation = conversationOf(body.conversation);
  const previousResponseId = optString(body, "previous_response_id") ?? null;
  if (conversation && previousResponseId)
    throw new InvalidRequestError(
      "Give conversation or previous_response_id, not both.",
      "conversation",
    );
  const { system, messages } = parseInput(body.input);
  const instructions = optString(body, "instructions");
  const systemText = [instructions, system].filter((s): s is string => Boolean(s)).join("\n\n");
  const tools = parseTools(body.tools);
  return {
    model: reqString(body, "model"),
    stream: optBool(body, "stream") ?? false,
    includeUsage: true,
    system: systemText === "" ? null : systemText,
    messages,
    tools: choice === "none" ? [] : tools,
    maxTokens: optInt(body, "max_output_tokens", 1, 1_000_000),
    temperature: optNumber(body, "temperature", 0, 2),
    user: optString(body, "user") ?? optString(body, "safety_identifier") ?? null,
    conversation,
    previousResponseId,
  };
}

function conversationOf(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === "string") return checkThreadId(raw, "conversation");
  const id = objectAt(raw, "conversation").id;
  if (typeof id !== "string")
    throw new InvalidRequestError("conversation.id must be a string.", "conversation.id");
  return checkThreadId(id, "conversation.id");
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
    rejectUnsupported(tool, ["type", "name", "description", "parameters", "strict"]);
    const description = optString(tool, "description", `${param}.description`);
    return {
      name: reqString(tool, "name", `${param}.name`),
      ...(description === undefined ? {} : { description }),
      input_schema:
        tool.parameters == null
          ? { type: "object" }
          : objectAt(tool.parameters, `${param}.parameters`),
    };
  });
  checkTools(tools, "tools");
  return tools;
}

function contentParts(content: unknown, param: string): Block[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  return arrayAt(content, param, 256).map((raw, i) => {
    const where = `${param}[${i}]`;
    const part = objectAt(raw, where);
    if (part.type === "input_text" || part.type === "output_text")
      return { type: "text" as const, text: reqString(part, "text", `${where}.text`) };
    if (part.type === "input_image")
      return imageFromUrl(reqString(part, "image_url", `${where}.image_url`), `${where}.image_url`);
    throw new InvalidRequestError(
      `Unsupported content part type "${String(part.type)}".`,
      `${where}.type`,
    );
  });
}

function parseInput(raw: unknown): { system: string | null; messages: ConversationMessage[] } {
  if (typeof raw === "string")
    return { system: null, messages: [{ role: "user", content: [{ type: "text", text: raw }] }] };
  const items = arrayAt(raw, "input", MAX_COMPAT_MESSAGES);
  if (items.length === 0) throw new InvalidRequestError("input must not be empty.", "input");
  const system: string[] = [];
  const messages: ConversationMessage[] = [];
  const append = (role: ConversationMessage["role"], blocks: Block[]) => {
    const last = messages[messages.length - 1];
    if (last && last.role === role && role !== "user") last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  items.forEach((rawItem, i) => {
    const param = `input[${i}]`;
    const item = objectAt(rawItem, param);
    const type = item.type ?? "message";
    if (type === "message") {
      const content = contentParts(item.content, `${param}.content`);
      if (item.role === "user") messages.push({ role: "user", content });
      else if (item.role === "assistant") append("assistant", content);
      else if (item.role === "system" || item.role === "developer") {
        for (const b of content) if (b.type === "text") system.push(b.text);
      } else
        throw new InvalidRequestError(
          'role must be "user", "assistant", "system" or "developer".',
          `${param}.role`,
        );
    } else if (type === "function_call") {
      append("assistant", [
        {
          type: "tool_use",
          id: reqString(item, "call_id", `${param}.call_id`),
          name: reqString(item, "name", `${param}.name`),
          input: parseArguments(item.arguments ?? "{}", `${param}.arguments`),
        },
      ]);
    } else if (type === "function_call_output") {
      const output =
        typeof item.output === "string"
          ? item.output
          : contentParts(item.output, `${param}.output`);
      const text =
        typeof output === "string"
          ? output
          : output.map((b) => (b.type === "text" ? b.text : "")).join("");
      append("tool", [
        {
          type: "tool_result",
          tool_use_id: reqString(item, "call_id", `${param}.call_id`),
          content: text,
          is_error: false,
        },
      ]);
    } else if (type !== "reasoning") {
      throw new InvalidRequestError(
        `Unsupported input item type "${String(type)}".`,
        `${param}.type`,
      );
    }
  });
  checkConversation(messages, "input");
  return { system: system.length > 0 ? system.join("\n\n") : null, messages };
}

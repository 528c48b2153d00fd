/**
 * The AI SDK chat request (`{id, messages, trigger, messageId}` plus Spool send fields) read into
 * what Spool does with it: send the new user message, or hand client tool outputs to the waiting
 * turn. Only the last message is new; the earlier ones are the thread's and are not read beyond
 * their shape. Pure: every refusal is a 400/422 AppError with `param`, never a crash.
 */
import { Type as t } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { type Block, MAX_TEXT_CHARS } from "../../../protocol/blocks.ts";
import { InvalidRequestError, ValidationError } from "../../../protocol/errors.ts";
import { EndUserIdSchema } from "../../../protocol/objects.ts";
import { type SendBody, SendBodyFields, SendBodySchema } from "../../../protocol/requests.ts";
import { toolResultContentOf } from "./ui-content.ts";

/** 256 characters: as long as an end-user id; useChat's own ids are 16. */
export const CHAT_ID_MAX_CHARS = 256;
/** Messages a client may re-send in one request (its whole history; the body limit binds first). */
export const MAX_CHAT_MESSAGES = 10_000;
/** JSON nesting of one tool output (API.md's bound for request bodies). */
const MAX_OUTPUT_DEPTH = 64;

const { content: _content, ...sendFields } = SendBodyFields;
const ChatIdSchema = t.String({
  minLength: 1,
  maxLength: CHAT_ID_MAX_CHARS,
  pattern: "^[^\\x00-\\x1f/]+$",
});
const MessageShape = t.Object({
  id: t.String({ maxLength: CHAT_ID_MAX_CHARS }),
  role: t.Union([t.Literal("system"), t.Literal("user"), t.Literal("assistant")]),
  parts: t.Array(t.Record(t.String(), t.Unknown()), { maxItems: 4096 }),
});
const ChatBodySchema = t.Object(
  {
    id: ChatIdSchema,
    messages: t.Array(MessageShape, { minItems: 1, maxItems: MAX_CHAT_MESSAGES }),
    trigger: t.String({ maxLength: 64 }),
    messageId: t.Optional(t.Union([t.String({ maxLength: CHAT_ID_MAX_CHARS }), t.Null()])),
    end_user_id: t.Optional(EndUserIdSchema),
    ...sendFields,
  },
  { additionalProperties: false },
);

export type NewInput =
  /** `edits`: the id of the user message this one replaces (useChat's edit), else null. */
  | { kind: "user"; messageId: string; content: Block[]; edits: string | null }
  /** useChat's `regenerate()`: a new answer for the assistant message (null: the last one). */
  | { kind: "regenerate"; messageId: string | null }
  | {
      kind: "tool_outputs";
      /** The client's id of the assistant message that holds the outputs. */
      messageId: string;
      outputs: Map<string, { content: string; isError: boolean }>;
    };

export interface ChatRequest {
  chatId: string;
  endUserId: string | undefined;
  /** The send fields (model, tools, …) with the new user message as `content`. */
  body: SendBody;
  input: NewInput;
}

export function parseChatRequest(raw: unknown): ChatRequest {
  if (!Value.Check(ChatBodySchema, raw)) throw firstError(raw);
  const { id, messages, trigger, messageId, end_user_id, ...fields } = raw;
  if (fields.stream === false)
    throw new InvalidRequestError("The UI message stream always streams.", "stream");
  if (trigger === "regenerate-message") {
    const body = { ...fields, content: "", stream: true };
    return { chatId: id, endUserId: end_user_id, body, input: regenerateInput(messageId ?? null) };
  }
  if (trigger !== "submit-message")
    throw new InvalidRequestError(`Unknown trigger "${trigger}".`, "trigger");
  const index = messages.length - 1;
  const last = messages[index]!;
  const input = newInput(last, index, messageId ?? null);
  const body = { ...fields, content: input.kind === "user" ? input.content : "", stream: true };
  if (input.kind === "user" && !body.model)
    throw new ValidationError("A chat turn needs a model.", "model");
  if (input.kind === "user" && !Value.Check(SendBodySchema, body)) {
    const error = Value.Errors(SendBodySchema, body).First();
    const param = error?.path.replace(/^\//, "").replaceAll("/", ".") || undefined;
    throw new ValidationError(error?.message ?? "Invalid value.", param);
  }
  return { chatId: id, endUserId: end_user_id, body, input };
}

function newInput(
  message: { id: string; role: string; parts: Record<string, unknown>[] },
  index: number,
  messageId: string | null,
): NewInput {
  const at = `messages.${index}`;
  if (message.role === "user") {
    // useChat's edit re-sends the edited message under its own id.
    const edits = messageId !== null && messageId === message.id ? messageId : null;
    return { kind: "user", messageId: message.id, content: userContent(message.parts, at), edits };
  }
  if (message.role === "assistant") {
    return { kind: "tool_outputs", messageId: message.id, outputs: toolOutputs(message.parts, at) };
  }
  throw new InvalidRequestError(
    "System messages are not accepted: set `system` in the body (secret keys only).",
    `${at}.role`,
  );
}

function regenerateInput(messageId: string | null): NewInput {
  return { kind: "regenerate", messageId };
}

function userContent(parts: Record<string, unknown>[], at: string): Block[] {
  const blocks: Block[] = [];
  parts.forEach((part, i) => {
    const where = `${at}.parts.${i}`;
    if (part.type === "text" && typeof part.text === "string") {
      if (part.text.length > MAX_TEXT_CHARS)
        throw new ValidationError(
          `A text part holds at most ${MAX_TEXT_CHARS} characters.`,
          `${where}.text`,
        );
      blocks.push({ type: "text", text: part.text });
    } else if (part.type === "file") {
      blocks.push(imageBlock(part, where));
    } else {
      throw new InvalidRequestError(
        `Unsupported part "${String(part.type)}" in a user message (text and image files only).`,
        `${where}.type`,
      );
    }
  });
  if (blocks.length === 0)
    throw new InvalidRequestError("The message has no parts.", `${at}.parts`);
  return blocks;
}

const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

function imageBlock(part: Record<string, unknown>, where: string): Block {
  const { url, mediaType } = part;
  if (typeof url !== "string" || typeof mediaType !== "string" || !IMAGE_TYPES.has(mediaType)) {
    throw new InvalidRequestError(
      "Only image files (png, jpeg, gif, webp) with a url are supported.",
      `${where}.mediaType`,
    );
  }
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) {
    const media = mediaType as "image/png" | "image/jpeg" | "image/gif" | "image/webp";
    return { type: "image", source: { type: "base64", media_type: media, data: data[2]! } };
  }
  if (!/^https?:\/\//.test(url)) {
    throw new InvalidRequestError(
      "A file url must be https:// or a base64 data: url.",
      `${where}.url`,
    );
  }
  return { type: "image", source: { type: "url", url } };
}

/** Tool parts of the assistant message that carry a client's answer (`addToolOutput`). */
function toolOutputs(parts: Record<string, unknown>[], at: string) {
  const outputs = new Map<string, { content: string; isError: boolean }>();
  parts.forEach((part, i) => {
    const type = typeof part.type === "string" ? part.type : "";
    if (!type.startsWith("tool-") && type !== "dynamic-tool") return;
    const where = `${at}.parts.${i}`;
    if (typeof part.toolCallId !== "string" || part.toolCallId.length > 128) {
      throw new InvalidRequestError("A tool part needs its toolCallId.", `${where}.toolCallId`);
    }
    if (part.state === "output-available") {
      if (depthOver(part.output, MAX_OUTPUT_DEPTH))
        throw new InvalidRequestError("The tool output is nested too deeply.", `${where}.output`);
      outputs.set(part.toolCallId, { content: toolResultContentOf(part.output), isError: false });
    } else if (part.state === "output-error") {
      const text = typeof part.errorText === "string" ? part.errorText : "The tool failed.";
      outputs.set(part.toolCallId, { content: text, isError: true });
    }
  });
  for (const [toolCallId, output] of outputs) {
    if (!Value.Check(SendBodyFields.content, output.content)) {
      throw new ValidationError(
        `The output of tool call ${toolCallId} is too long.`,
        `${at}.parts`,
      );
    }
  }
  return outputs;
}

/** True when `value` nests deeper than `max` (iterative: a hostile value cannot overflow the stack). */
function depthOver(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth >= max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

function firstError(raw: unknown): InvalidRequestError {
  const error = Value.Errors(ChatBodySchema, raw).First();
  const param = error?.path.replace(/^\//, "").replaceAll("/", ".") || undefined;
  if (error && error.path === "" && typeof raw === "object" && raw !== null) {
    const unknown = Object.keys(raw).find((key) => !(key in ChatBodySchema.properties));
    if (unknown) return new InvalidRequestError(`Unsupported parameter "${unknown}".`, unknown);
  }
  return new InvalidRequestError(error?.message ?? "Invalid chat request.", param);
}

/**
 * Bounds on what a compatibility translator produced, before it reaches the seam: the same block
 * and tool schemas the REST body is validated with (text sizes, ids, tool names), and a cap on the
 * number of messages, so a hostile history is a 400 in the protocol's shape, never a 500.
 */
import { Value } from "@sinclair/typebox/value";
import type { ConversationMessage } from "../../../domain/history-fingerprint.ts";
import { ContentInputSchema } from "../../../protocol/blocks.ts";
import { InvalidRequestError } from "../../../protocol/errors.ts";
import { type SendTool, SendToolSchema } from "../../../protocol/requests.ts";

/** 2,000 messages: longer than any real chat a client re-sends, small enough to fingerprint fast. */
export const MAX_COMPAT_MESSAGES = 2000;
export const MAX_COMPAT_TOOLS = 128;

export function checkConversation(messages: ConversationMessage[], param: string): void {
  if (messages.length > MAX_COMPAT_MESSAGES)
    throw new InvalidRequestError(`At most ${MAX_COMPAT_MESSAGES} messages.`, param);
  messages.forEach((message, i) => {
    if (message.content.length === 0) return;
    if (!Value.Check(ContentInputSchema, message.content)) {
      const first = Value.Errors(ContentInputSchema, message.content).First();
      const where = first ? `${param}[${i}].content${first.path.replaceAll("/", ".")}` : param;
      throw new InvalidRequestError(`Invalid content: ${first?.message ?? "bad block"}.`, where);
    }
  });
}

export function checkTools(tools: SendTool[], param: string): void {
  if (tools.length > MAX_COMPAT_TOOLS)
    throw new InvalidRequestError(`At most ${MAX_COMPAT_TOOLS} tools.`, param);
  tools.forEach((tool, i) => {
    if (!Value.Check(SendToolSchema, tool)) {
      const first = Value.Errors(SendToolSchema, tool).First();
      throw new InvalidRequestError(
        `Invalid tool: ${first?.message ?? "bad tool"}.`,
        `${param}[${i}]${first?.path.replaceAll("/", ".") ?? ""}`,
      );
    }
  });
}

/** Messages with content only (an empty assistant turn carries nothing to store or match). */
export function nonEmpty(messages: ConversationMessage[]): ConversationMessage[] {
  return messages.filter((m) => m.content.length > 0);
}

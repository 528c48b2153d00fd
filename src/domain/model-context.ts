/**
 * What a model sees of a thread: settled messages in seq order, as provider-neutral messages.
 * In-progress messages (the one being generated) and failed messages with nothing in them are
 * left out; incomplete ones keep what they produced.
 */

import type { Block } from "../protocol/blocks.ts";
import type { MessageRecord } from "./records.ts";

/** One message as a model provider is given it: provider-neutral role and Spool blocks. */
export interface ModelMessage {
  role: "user" | "assistant" | "tool";
  content: Block[];
}

export function toModelMessages(records: MessageRecord[]): ModelMessage[] {
  return records
    .filter((r) => r.status !== "in_progress" && !(r.status === "failed" && r.content.length === 0))
    .filter((r) => r.content.length > 0)
    .map((r) => ({ role: r.role, content: r.content }));
}

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

/** Summaries are left out here: the context builder (domain/context-build.ts) places them. */
export function toModelMessages(records: MessageRecord[]): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (const r of records) {
    if (r.role === "summary" || !isModelVisible(r)) continue;
    out.push({ role: r.role, content: r.content });
  }
  return out;
}

/** Settled, with something in it (a failed message with no content is left out). */
export function isModelVisible(r: MessageRecord): boolean {
  return r.status !== "in_progress" && r.content.length > 0;
}

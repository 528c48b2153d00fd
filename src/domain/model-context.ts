/**
 * What a model sees of a thread: settled messages in seq order, as provider-neutral messages.
 * In-progress messages (the one being generated) and failed messages with nothing in them are
 * left out; incomplete ones keep what they produced.
 */

import type { ModelMessage } from "../ports/llm.ts";
import type { MessageRecord } from "../ports/records.ts";

export function toModelMessages(records: MessageRecord[]): ModelMessage[] {
  return records
    .filter((r) => r.status !== "in_progress" && !(r.status === "failed" && r.content.length === 0))
    .filter((r) => r.content.length > 0)
    .map((r) => ({ role: r.role, content: r.content }));
}

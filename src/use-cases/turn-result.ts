/**
 * The answer of a finished turn, for transports that wait (`stream:false`): with tenant tools a
 * turn is a chain (assistant tool call → tool results → assistant …), and the answer is its last
 * assistant message, not the first. The chain is followed through the thread's own records, so a
 * queued next turn (its user message) ends the walk.
 */
import type { MessageRecord } from "../domain/records.ts";

/** 8 tool calls per message and a bounded chain: far beyond any real turn. */
const MAX_CHAIN_MESSAGES = 64;

export async function finalAssistantSeq(
  message: (seq: number) => Promise<MessageRecord | null>,
  firstAssistantSeq: number,
): Promise<number> {
  let seq = firstAssistantSeq;
  for (let hop = 0; hop < MAX_CHAIN_MESSAGES; hop++) {
    const current = await message(seq);
    if (current?.role !== "assistant" || current.stop_reason !== "tool_use") return seq;
    const tool = await message(seq + 1);
    const next = await message(seq + 2);
    if (tool?.role !== "tool" || next?.role !== "assistant") return seq;
    seq += 2;
  }
  return seq;
}

/**
 * What every protocol needs to know about how an assistant message ended: a protocol-neutral
 * stop (`end_turn`, `tool_use`, `max_tokens`, `cancelled`, `failed`) and usage, including for a
 * message that stopped at client tool calls (still in progress in Spool: its usage is settled only
 * when the results come, so the output is estimated from its content and input is unknown: 0).
 */
import { estimateTokens } from "../../../domain/tokens.ts";
import type { Message } from "../../../protocol/objects.ts";

export type Stop = "end_turn" | "tool_use" | "max_tokens" | "cancelled" | "failed";

export interface Outcome {
  stop: Stop;
  inputTokens: number;
  outputTokens: number;
  estimated: boolean;
  error: { code: string; message: string } | null;
}

export function outcomeOf(message: Message): Outcome {
  const hasCalls = message.content.some((b) => b.type === "tool_use");
  const usage = message.usage ?? {
    input_tokens: 0,
    output_tokens: estimateTokens(message.content),
    estimated: true,
  };
  const base = {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    estimated: usage.estimated,
    error: message.error,
  };
  if (message.status === "failed") return { ...base, stop: "failed" };
  if (message.status === "in_progress")
    return { ...base, stop: hasCalls ? "tool_use" : "end_turn" };
  if (message.stop_reason === "max_tokens") return { ...base, stop: "max_tokens" };
  if (message.status === "incomplete") return { ...base, stop: "cancelled" };
  return { ...base, stop: message.stop_reason === "tool_use" ? "tool_use" : "end_turn" };
}

/** Text blocks joined as the protocols without blocks show them. */
export function joinedText(message: Message): string {
  return message.content
    .filter((b) => b.type === "text")
    .map((b) => (b.type === "text" ? b.text : ""))
    .join("\n\n");
}

export function unixSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

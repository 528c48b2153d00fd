/**
 * Value mappings shared by the UI stream translator and the `format=ui` history: tool outputs
 * (the AI SDK's `output` is any JSON value, a Spool tool_result holds a string), images as file
 * parts, and Spool's stop reasons as the AI SDK's finish reasons.
 */
import type { Block, ImageSource } from "../../../protocol/blocks.ts";
import type { Message } from "../../../protocol/objects.ts";
import type { SpoolUiMetadata, UiFinishReason } from "./ui-types.ts";

/**
 * A client's tool output as Spool stores it: a string stays a string, any other JSON value is
 * stored as its JSON text (and read back as that value by `toolOutputOf`).
 */
export function toolResultContentOf(output: unknown): string {
  return typeof output === "string" ? output : JSON.stringify(output ?? null);
}

/** A stored tool result as the AI SDK's `output`: JSON objects and arrays come back parsed. */
export function toolOutputOf(content: string | Block[]): unknown {
  const text =
    typeof content === "string"
      ? content
      : content.map((b) => (b.type === "text" ? b.text : "")).join("");
  const first = text.trimStart()[0];
  if (first !== "{" && first !== "[") return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // a string that only looks like JSON is returned as written
  }
}

export function imageFile(source: ImageSource): { url: string; mediaType: string } {
  if (source.type === "url") return { url: source.url, mediaType: mediaTypeOfUrl(source.url) };
  return { url: `data:${source.media_type};base64,${source.data}`, mediaType: source.media_type };
}

function mediaTypeOfUrl(url: string): string {
  const ext = /\.(png|jpe?g|gif|webp)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  if (ext === "jpg" || ext === "jpeg") return "image/jpeg";
  return ext ? `image/${ext}` : "image/*";
}

export function finishReasonOf(message: Pick<Message, "status" | "stop_reason">): UiFinishReason {
  if (message.status === "failed") return "error";
  switch (message.stop_reason) {
    case "end_turn":
      return "stop";
    case "max_tokens":
      return "length";
    case "tool_use":
      return "tool-calls";
    default:
      return "other"; // cancelled, interrupted, tool_wait_timeout
  }
}

/** Usage totals of a turn's assistant messages, under Spool's and the AI SDK's names. */
export interface UsageSum {
  input: number;
  output: number;
  estimated: boolean;
  counted: number;
}

export function addUsage(sum: UsageSum, usage: Message["usage"]): void {
  if (!usage) return;
  sum.input += usage.input_tokens;
  sum.output += usage.output_tokens;
  sum.estimated ||= usage.estimated;
  sum.counted++;
}

export function usageMetadata(sum: UsageSum): Pick<SpoolUiMetadata, "usage" | "totalUsage"> {
  if (sum.counted === 0) return {};
  return {
    usage: { input_tokens: sum.input, output_tokens: sum.output, estimated: sum.estimated },
    totalUsage: {
      inputTokens: sum.input,
      outputTokens: sum.output,
      totalTokens: sum.input + sum.output,
    },
  };
}

/**
 * The slice of the AI SDK's UI message stream protocol (v1) that Spool speaks, written out here so
 * the server does not depend on the `ai` package (a dev dependency, used by the tests as the real
 * client). These shapes are a subset of `ai`'s `UIMessageChunk` and `UIMessage`; the unit tests
 * assign them to `ai`'s types, so tsc fails if they drift.
 */

/** Spool's message metadata on the assistant UIMessage (`start` and `finish` chunks). */
export interface SpoolUiMetadata {
  thread_id: string;
  /** Seq of the turn's last assistant message seen by the stream. */
  seq?: number;
  model?: string | null;
  stop_reason?: string | null;
  usage?: { input_tokens: number; output_tokens: number; estimated: boolean };
  /** The same counts under the AI SDK's `LanguageModelUsage` names. */
  totalUsage?: { inputTokens: number; outputTokens: number; totalTokens: number };
}

export type UiFinishReason = "stop" | "length" | "tool-calls" | "error" | "other";

export type UiChunk =
  | { type: "start"; messageId?: string; messageMetadata?: SpoolUiMetadata }
  | { type: "start-step" }
  | { type: "finish-step" }
  | { type: "reset-step" }
  | { type: "text-start"; id: string }
  | { type: "text-delta"; id: string; delta: string }
  | { type: "text-end"; id: string }
  | { type: "reasoning-start"; id: string }
  | { type: "reasoning-delta"; id: string; delta: string }
  | { type: "reasoning-end"; id: string }
  | { type: "tool-input-start"; toolCallId: string; toolName: string }
  | { type: "tool-input-delta"; toolCallId: string; inputTextDelta: string }
  | { type: "tool-input-available"; toolCallId: string; toolName: string; input: unknown }
  | { type: "tool-output-available"; toolCallId: string; output: unknown }
  | { type: "tool-output-error"; toolCallId: string; errorText: string }
  | { type: "file"; url: string; mediaType: string }
  | { type: "error"; errorText: string }
  | { type: "finish"; finishReason?: UiFinishReason; messageMetadata?: SpoolUiMetadata };

/** A tool call as the AI SDK shows it; its state follows Spool's `tool` messages. */
export type UiToolPart = { type: `tool-${string}`; toolCallId: string } & (
  | { state: "input-available"; input: unknown }
  | { state: "output-available"; input: unknown; output: unknown }
  | { state: "output-error"; input: unknown; errorText: string }
);

export type UiPart =
  | { type: "step-start" }
  | { type: "text"; text: string; state?: "streaming" | "done" }
  | { type: "reasoning"; text: string; state?: "streaming" | "done" }
  | { type: "file"; mediaType: string; url: string; filename?: string }
  | UiToolPart;

export interface UiMessage {
  id: string;
  role: "system" | "user" | "assistant";
  metadata?: SpoolUiMetadata;
  parts: UiPart[];
}

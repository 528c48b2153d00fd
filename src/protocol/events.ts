/**
 * Stream events (API.md "Stream events"): the same objects go out over SSE (`event:`/`id:`/`data:`)
 * and WebSocket (the JSON alone). `cursor` = "<seq>:<offset>"; offset counts the events of message
 * `seq` from 0, so a cursor names exactly one event.
 */
import type { Block, ToolUseBlock } from "./blocks.ts";
import type { Message } from "./objects.ts";

export type BlockDelta =
  | { type: "text_delta"; text: string }
  | { type: "input_json_delta"; partial_json: string }
  | { type: "thinking_delta"; thinking: string };

interface EventBase {
  thread_id: string;
  cursor: string;
}

export type MessageCreatedEvent = EventBase & { type: "message.created"; message: Message };
export type BlockStartEvent = EventBase & {
  type: "block.start";
  seq: number;
  index: number;
  block: Block;
};
export type BlockDeltaEvent = EventBase & {
  type: "block.delta";
  seq: number;
  index: number;
  delta: BlockDelta;
};
/**
 * `signature`: only on a thinking block that has a provider signature. It is the same value the
 * final message carries on the block; clients may ignore it (it is opaque).
 */
export type BlockStopEvent = EventBase & {
  type: "block.stop";
  seq: number;
  index: number;
  signature?: string;
};
export type ToolWaitingEvent = EventBase & {
  type: "tool.waiting";
  seq: number;
  tool_use: ToolUseBlock;
};
export type MessageFinalEvent = EventBase & {
  type: "message.completed" | "message.incomplete" | "message.failed";
  message: Message;
};
export type StreamResetEvent = EventBase & {
  type: "stream.reset";
  seq: number;
  message: Message;
  reason: "unknown_cursor" | "expired" | "lost";
};

/** An event of a message's log: what is checkpointed and replayed. */
export type LogEvent =
  | MessageCreatedEvent
  | BlockStartEvent
  | BlockDeltaEvent
  | BlockStopEvent
  | ToolWaitingEvent
  | MessageFinalEvent;

export type StreamEvent = LogEvent | StreamResetEvent;
export type PingEvent = { type: "ping" };

export const FINAL_EVENT_TYPES = new Set([
  "message.completed",
  "message.incomplete",
  "message.failed",
]);

export function isFinalEvent(event: StreamEvent): event is MessageFinalEvent {
  return FINAL_EVENT_TYPES.has(event.type);
}

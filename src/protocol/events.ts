/**
 * Stream events (API.md "Stream events"): the same objects go out over SSE (`event:`/`id:`/`data:`)
 * and WebSocket (the JSON alone). `cursor` = "<seq>:<offset>"; offset counts the events of message
 * `seq` from 0, so a cursor names exactly one event. The TypeBox schemas are the contract the
 * AsyncAPI document is generated from (scripts/write-asyncapi.ts); the types are derived from them.
 */
import { type Static, type TProperties, Type as t } from "@sinclair/typebox";
import { BlockSchema, ToolUseBlockSchema } from "./blocks.ts";
import { MessageSchema } from "./objects.ts";

/** `"<seq>:<offset>"`, both whole numbers (offset may be 9007199254740991: the message's end). */
export const StreamCursorSchema = t.String({
  pattern: "^[0-9]+:[0-9]+$",
  description: '"<seq>:<offset>": message seq and the index of the event within that message',
  examples: ["4:17"],
});

export const BlockDeltaSchema = t.Union([
  t.Object({ type: t.Literal("text_delta"), text: t.String() }, { additionalProperties: false }),
  t.Object(
    { type: t.Literal("input_json_delta"), partial_json: t.String() },
    { additionalProperties: false },
  ),
  t.Object(
    { type: t.Literal("thinking_delta"), thinking: t.String() },
    { additionalProperties: false },
  ),
]);
export type BlockDelta = Static<typeof BlockDeltaSchema>;

function event<T extends string, P extends TProperties>(type: T, properties: P, title: string) {
  return t.Object(
    {
      type: t.Literal(type),
      thread_id: t.String(),
      cursor: StreamCursorSchema,
      ...properties,
    },
    { additionalProperties: false, title },
  );
}

export const MessageCreatedEventSchema = event(
  "message.created",
  { message: MessageSchema },
  "MessageCreatedEvent",
);
export type MessageCreatedEvent = Static<typeof MessageCreatedEventSchema>;

export const BlockStartEventSchema = event(
  "block.start",
  { seq: t.Integer(), index: t.Integer({ minimum: 0 }), block: BlockSchema },
  "BlockStartEvent",
);
export type BlockStartEvent = Static<typeof BlockStartEventSchema>;

export const BlockDeltaEventSchema = event(
  "block.delta",
  { seq: t.Integer(), index: t.Integer({ minimum: 0 }), delta: BlockDeltaSchema },
  "BlockDeltaEvent",
);
export type BlockDeltaEvent = Static<typeof BlockDeltaEventSchema>;

/**
 * `signature`: only on a thinking block that has a provider signature. It is the same value the
 * final message carries on the block; clients may ignore it (it is opaque).
 */
export const BlockStopEventSchema = event(
  "block.stop",
  { seq: t.Integer(), index: t.Integer({ minimum: 0 }), signature: t.Optional(t.String()) },
  "BlockStopEvent",
);
export type BlockStopEvent = Static<typeof BlockStopEventSchema>;

export const ToolWaitingEventSchema = event(
  "tool.waiting",
  { seq: t.Integer(), tool_use: ToolUseBlockSchema },
  "ToolWaitingEvent",
);
export type ToolWaitingEvent = Static<typeof ToolWaitingEventSchema>;

export const MessageFinalEventSchema = t.Object(
  {
    type: t.Union([
      t.Literal("message.completed"),
      t.Literal("message.incomplete"),
      t.Literal("message.failed"),
    ]),
    thread_id: t.String(),
    cursor: StreamCursorSchema,
    message: MessageSchema,
  },
  { additionalProperties: false, title: "MessageFinalEvent" },
);
export type MessageFinalEvent = Static<typeof MessageFinalEventSchema>;

export const StreamResetReasonSchema = t.Union([
  t.Literal("unknown_cursor"),
  t.Literal("expired"),
  t.Literal("lost"),
]);

export const StreamResetEventSchema = event(
  "stream.reset",
  { seq: t.Integer(), message: MessageSchema, reason: StreamResetReasonSchema },
  "StreamResetEvent",
);
export type StreamResetEvent = Static<typeof StreamResetEventSchema>;

/** SSE only (`event: ping`, `data: {}`); the WebSocket keeps itself alive with protocol pings. */
export const PingEventSchema = t.Object({}, { additionalProperties: false, title: "PingEvent" });
export type PingEvent = { type: "ping" };

/** An event of a message's log: what is checkpointed and replayed. */
export const LogEventSchema = t.Union([
  MessageCreatedEventSchema,
  BlockStartEventSchema,
  BlockDeltaEventSchema,
  BlockStopEventSchema,
  ToolWaitingEventSchema,
  MessageFinalEventSchema,
]);
export type LogEvent = Static<typeof LogEventSchema>;

export const StreamEventSchema = t.Union([...LogEventSchema.anyOf, StreamResetEventSchema], {
  title: "StreamEvent",
});
export type StreamEvent = Static<typeof StreamEventSchema>;

/** Every stream event type with its schema (the SSE `event:` line is the key). */
export const STREAM_EVENT_SCHEMAS = {
  "message.created": MessageCreatedEventSchema,
  "block.start": BlockStartEventSchema,
  "block.delta": BlockDeltaEventSchema,
  "block.stop": BlockStopEventSchema,
  "tool.waiting": ToolWaitingEventSchema,
  "message.completed": MessageFinalEventSchema,
  "message.incomplete": MessageFinalEventSchema,
  "message.failed": MessageFinalEventSchema,
  "stream.reset": StreamResetEventSchema,
} as const;

export const FINAL_EVENT_TYPES = new Set([
  "message.completed",
  "message.incomplete",
  "message.failed",
]);

export function isFinalEvent(event: StreamEvent): event is MessageFinalEvent {
  return FINAL_EVENT_TYPES.has(event.type);
}

/**
 * WebSocket frames of API.md: client → server (validated on every frame), server → client (the
 * stream events of events.ts plus the control frames below), and the close codes. The schemas
 * are what the AsyncAPI document is generated from; server frames are checked against them in
 * test/integration/protocol-frames.test.ts.
 */
import { type Static, Type as t } from "@sinclair/typebox";
import { ToolResultContentSchema } from "./blocks.ts";
import { STATUS_BY_CODE } from "./errors.ts";
import { StreamCursorSchema, StreamEventSchema } from "./events.ts";
import { SendBodyFields } from "./requests.ts";

const ThreadId = t.String({ minLength: 1, maxLength: 128 });

export const SubscribeFrameSchema = t.Object(
  {
    type: t.Literal("subscribe"),
    thread_id: ThreadId,
    after: t.Optional(t.String({ maxLength: 64 })),
  },
  { title: "SubscribeFrame" },
);
export const UnsubscribeFrameSchema = t.Object(
  { type: t.Literal("unsubscribe"), thread_id: ThreadId },
  { title: "UnsubscribeFrame" },
);
export const SendFrameSchema = t.Object(
  { type: t.Literal("send"), thread_id: ThreadId, ...SendBodyFields },
  { additionalProperties: false, title: "SendFrame" },
);
export const CancelFrameSchema = t.Object(
  { type: t.Literal("cancel"), thread_id: ThreadId, seq: t.Integer({ minimum: 1 }) },
  { title: "CancelFrame" },
);
export const ToolResultFrameSchema = t.Object(
  {
    type: t.Literal("tool_result"),
    thread_id: ThreadId,
    tool_use_id: t.String({ minLength: 1, maxLength: 128 }),
    content: ToolResultContentSchema,
    is_error: t.Optional(t.Boolean()),
  },
  { title: "ToolResultFrame" },
);
export const PingFrameSchema = t.Object({ type: t.Literal("ping") }, { title: "PingFrame" });

export const ClientFrameSchema = t.Union([
  SubscribeFrameSchema,
  UnsubscribeFrameSchema,
  SendFrameSchema,
  CancelFrameSchema,
  ToolResultFrameSchema,
  PingFrameSchema,
]);

export const FRAME_SCHEMAS = {
  subscribe: SubscribeFrameSchema,
  unsubscribe: UnsubscribeFrameSchema,
  send: SendFrameSchema,
  cancel: CancelFrameSchema,
  tool_result: ToolResultFrameSchema,
  ping: PingFrameSchema,
} as const;

export type ClientFrame =
  | Static<typeof SubscribeFrameSchema>
  | Static<typeof UnsubscribeFrameSchema>
  | Static<typeof SendFrameSchema>
  | Static<typeof CancelFrameSchema>
  | Static<typeof ToolResultFrameSchema>
  | Static<typeof PingFrameSchema>;

/** Server → client control frames (stream events are the other server frames). */
export const SubscribedFrameSchema = t.Object(
  {
    type: t.Literal("subscribed"),
    thread_id: t.String(),
    /** Where the subscription starts: events after this cursor follow. */
    cursor: StreamCursorSchema,
  },
  { additionalProperties: false, title: "SubscribedFrame" },
);
export const AckFrameSchema = t.Object(
  {
    type: t.Literal("ack"),
    request_id: t.Union([t.String(), t.Null()]),
    thread_id: t.String(),
    user_seq: t.Integer(),
    /** Null when the send had no model (the user message was only appended). */
    assistant_seq: t.Union([t.Integer(), t.Null()]),
  },
  { additionalProperties: false, title: "AckFrame" },
);
export const PongFrameSchema = t.Object(
  { type: t.Literal("pong") },
  { additionalProperties: false, title: "PongFrame" },
);
export const ErrorFrameSchema = t.Object(
  {
    type: t.Literal("error"),
    code: t.Union(Object.keys(STATUS_BY_CODE).map((code) => t.Literal(code))),
    message: t.String(),
    /** The `request_id` of the send that failed. */
    request_id: t.Optional(t.String()),
    /** The thread the failed frame named. */
    thread_id: t.Optional(t.String()),
    /** The offending field, where one is to blame. */
    param: t.Optional(t.String()),
    /** With `rate_limited`: when a retry may succeed. */
    retry_after_ms: t.Optional(t.Integer({ minimum: 0 })),
  },
  { title: "ErrorFrame" },
);

export const ServerFrameSchema = t.Union([
  ...StreamEventSchema.anyOf,
  SubscribedFrameSchema,
  AckFrameSchema,
  PongFrameSchema,
  ErrorFrameSchema,
]);
export type ServerFrame = Static<typeof ServerFrameSchema>;

export const CLOSE_CODES = {
  /** Credentials missing, invalid or revoked. */
  unauthorized: 4001,
  /** Rate or frame limits. */
  policy: 4008,
  frameTooBig: 1009,
  /** The server is restarting: reconnect and resume with cursors. */
  restarting: 1012,
  /** This node gave the thread up: reconnect (maybe elsewhere) and resume. */
  reconnectElsewhere: 4000,
} as const;

/** WebSocket frames of API.md, client → server (validated) and the close codes. */
import { type Static, Type as t } from "@sinclair/typebox";
import { ToolResultContentSchema } from "./blocks.ts";
import { SendBodyFields } from "./requests.ts";

const ThreadId = t.String({ minLength: 1, maxLength: 128 });

export const SubscribeFrameSchema = t.Object({
  type: t.Literal("subscribe"),
  thread_id: ThreadId,
  after: t.Optional(t.String({ maxLength: 64 })),
});
export const UnsubscribeFrameSchema = t.Object({
  type: t.Literal("unsubscribe"),
  thread_id: ThreadId,
});
export const SendFrameSchema = t.Object(
  { type: t.Literal("send"), thread_id: ThreadId, ...SendBodyFields },
  { additionalProperties: false },
);
export const CancelFrameSchema = t.Object({
  type: t.Literal("cancel"),
  thread_id: ThreadId,
  seq: t.Integer({ minimum: 1 }),
});
export const ToolResultFrameSchema = t.Object({
  type: t.Literal("tool_result"),
  thread_id: ThreadId,
  tool_use_id: t.String({ minLength: 1, maxLength: 128 }),
  content: ToolResultContentSchema,
  is_error: t.Optional(t.Boolean()),
});
export const PingFrameSchema = t.Object({ type: t.Literal("ping") });

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

/** The resources of API.md: thread, message, usage, lists. */
import { type Static, type TSchema, Type as t } from "@sinclair/typebox";
import { BlockSchema } from "./blocks.ts";

export const MAX_METADATA_KEYS = 16;
export const MAX_METADATA_KEY_CHARS = 64;
export const MAX_METADATA_VALUE_CHARS = 512;

export const MetadataSchema = t.Record(
  t.String({ minLength: 1, maxLength: MAX_METADATA_KEY_CHARS }),
  t.String({ maxLength: MAX_METADATA_VALUE_CHARS }),
  { maxProperties: MAX_METADATA_KEYS },
);
export type Metadata = Static<typeof MetadataSchema>;

/** 1–256 characters, no control characters (well-formedness is checked on every string). */
export const EndUserIdSchema = t.String({
  minLength: 1,
  maxLength: 256,
  pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
});

export const ThreadSchema = t.Object({
  id: t.String(),
  object: t.Literal("thread"),
  end_user_id: t.Union([t.String(), t.Null()]),
  metadata: MetadataSchema,
  created_at: t.String(),
  last_active_at: t.String(),
  last_seq: t.Integer(),
  /** The last message of the active branch; null while the thread has no message. */
  head_seq: t.Union([t.Integer(), t.Null()]),
});
export type Thread = Static<typeof ThreadSchema>;

/**
 * `summary`: a compaction summary of the messages through `covers_through_seq` (API.md "Long
 * threads"), written by Spool, hidden from history unless `include=summaries`.
 */
export const RoleSchema = t.Union([
  t.Literal("user"),
  t.Literal("assistant"),
  t.Literal("tool"),
  t.Literal("summary"),
]);
export type Role = Static<typeof RoleSchema>;

export const MessageStatusSchema = t.Union([
  t.Literal("in_progress"),
  t.Literal("completed"),
  t.Literal("incomplete"),
  t.Literal("failed"),
  // Erased by DELETE …/messages/:seq: empty content, usage kept, seq kept so order holds.
  t.Literal("deleted"),
]);
export type MessageStatus = Static<typeof MessageStatusSchema>;

export const StopReasonSchema = t.Union([
  t.Literal("end_turn"),
  t.Literal("tool_use"),
  t.Literal("cancelled"),
  t.Literal("interrupted"),
  t.Literal("max_tokens"),
  t.Literal("tool_wait_timeout"),
]);
export type StopReason = Static<typeof StopReasonSchema>;

export const UsageSchema = t.Object({
  /** Every input token of the call, cached or not. */
  input_tokens: t.Integer(),
  output_tokens: t.Integer(),
  estimated: t.Boolean(),
  /** Of `input_tokens`, read from the provider's prompt cache (Anthropic; absent elsewhere). */
  cache_read_tokens: t.Optional(t.Integer()),
  /** Of `input_tokens`, written to the provider's prompt cache. */
  cache_write_tokens: t.Optional(t.Integer()),
});
export type Usage = Static<typeof UsageSchema>;

export const MessageErrorSchema = t.Object({ code: t.String(), message: t.String() });
export type MessageError = Static<typeof MessageErrorSchema>;

export const MessageSchema = t.Object({
  id: t.String(),
  object: t.Literal("message"),
  thread_id: t.String(),
  seq: t.Integer(),
  /** The message this one follows on its branch; null for a first message. */
  parent_seq: t.Union([t.Integer(), t.Null()]),
  /** Seqs of the messages that follow this one on any branch (as known when it was read). */
  children: t.Array(t.Integer()),
  role: RoleSchema,
  content: t.Array(BlockSchema),
  status: MessageStatusSchema,
  model: t.Union([t.String(), t.Null()]),
  request_id: t.Union([t.String(), t.Null()]),
  end_user_id: t.Union([t.String(), t.Null()]),
  usage: t.Union([UsageSchema, t.Null()]),
  stop_reason: t.Union([StopReasonSchema, t.Null()]),
  error: t.Union([MessageErrorSchema, t.Null()]),
  created_at: t.String(),
  completed_at: t.Union([t.String(), t.Null()]),
  /** Summary messages only: the newest message of the branch the summary stands for. */
  covers_through_seq: t.Optional(t.Integer()),
});
export type Message = Static<typeof MessageSchema>;

export function ListSchema<T extends TSchema>(item: T) {
  return t.Object({
    object: t.Literal("list"),
    data: t.Array(item),
    has_more: t.Boolean(),
    next_cursor: t.Union([t.String(), t.Null()]),
  });
}
export interface List<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

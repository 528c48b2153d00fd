/** Request bodies and query strings of API.md, as TypeBox schemas that the routes validate. */
import { type Static, Type as t } from "@sinclair/typebox";
import { ContentInputSchema, ToolResultContentSchema } from "./blocks.ts";
import { EndUserIdSchema, MetadataSchema, StopReasonSchema, UsageSchema } from "./objects.ts";

export const HISTORY_LIMIT_MAX = 200;
export const HISTORY_LIMIT_DEFAULT = 50;
export const REQUEST_ID_MAX_CHARS = 255;

export const CreateThreadBodySchema = t.Object(
  { end_user_id: t.Optional(EndUserIdSchema), metadata: t.Optional(MetadataSchema) },
  { additionalProperties: false },
);
export type CreateThreadBody = Static<typeof CreateThreadBodySchema>;

/** At least one of the two; `head_seq` switches the active branch (API.md "Branches"). */
export const UpdateThreadBodySchema = t.Object(
  { metadata: t.Optional(MetadataSchema), head_seq: t.Optional(t.Integer({ minimum: 1 })) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateThreadBody = Static<typeof UpdateThreadBodySchema>;

export const ToolDefinitionSchema = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 64, pattern: "^[a-zA-Z0-9_-]+$" }),
    description: t.Optional(t.String({ maxLength: 4096 })),
    input_schema: t.Record(t.String(), t.Unknown()),
  },
  { additionalProperties: false },
);
export type ToolDefinition = Static<typeof ToolDefinitionSchema>;

/**
 * A tool offered in a send. `input_schema` may be left out: in `tools_mode: "tenant"` the name
 * refers to a registered tool (`/v1/tools`) whose schema is used; elsewhere it means `{}` input.
 */
export const SendToolSchema = t.Object(
  {
    name: ToolDefinitionSchema.properties.name,
    description: t.Optional(t.String({ maxLength: 4096 })),
    input_schema: t.Optional(t.Record(t.String(), t.Unknown())),
  },
  { additionalProperties: false },
);
export type SendTool = Static<typeof SendToolSchema>;

export const ToolsModeSchema = t.Union([
  t.Literal("none"),
  t.Literal("client"),
  t.Literal("tenant"),
]);
export type ToolsMode = Static<typeof ToolsModeSchema>;

export const OnBusySchema = t.Union([
  t.Literal("queue"),
  t.Literal("reject"),
  t.Literal("interrupt"),
]);
export type OnBusy = Static<typeof OnBusySchema>;

export const RequestIdSchema = t.String({ minLength: 1, maxLength: REQUEST_ID_MAX_CHARS });

export const SendBodyFields = {
  content: ContentInputSchema,
  model: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  stream: t.Optional(t.Boolean()),
  request_id: t.Optional(RequestIdSchema),
  system: t.Optional(t.String({ maxLength: 200_000 })),
  max_tokens: t.Optional(t.Integer({ minimum: 1, maximum: 1_000_000 })),
  temperature: t.Optional(t.Number({ minimum: 0, maximum: 2 })),
  tools: t.Optional(t.Array(SendToolSchema, { maxItems: 128 })),
  tools_mode: t.Optional(ToolsModeSchema),
  if_last_seq: t.Optional(t.Integer({ minimum: 0 })),
  on_busy: t.Optional(OnBusySchema),
  /** The message this one follows (an edit starts a branch); left out: the thread's head. */
  parent_seq: t.Optional(t.Union([t.Integer({ minimum: 1 }), t.Null()])),
};
export const SendBodySchema = t.Object(SendBodyFields, { additionalProperties: false });
export type SendBody = Static<typeof SendBodySchema>;

/** A regenerate runs the send's turn again from the message's parent: no content, no parent. */
const { content: _content, parent_seq: _parent, ...regenerateFields } = SendBodyFields;
export const RegenerateBodySchema = t.Object(regenerateFields, { additionalProperties: false });
export type RegenerateBody = Static<typeof RegenerateBodySchema>;

/** Messages one import appends at most (more: several imports, in order). */
export const IMPORT_MAX_MESSAGES = 1000;

export const ImportedMessageSchema = t.Object(
  {
    role: t.Union([t.Literal("user"), t.Literal("assistant"), t.Literal("tool")]),
    /** Empty (`[]`) only with `status: "deleted"` (an exported deleted message). */
    content: t.Union([ContentInputSchema, t.Array(t.Never(), { maxItems: 0 })]),
    created_at: t.Optional(t.String({ minLength: 1, maxLength: 40 })),
    completed_at: t.Optional(t.Union([t.String({ minLength: 1, maxLength: 40 }), t.Null()])),
    model: t.Optional(t.Union([t.String({ minLength: 1, maxLength: 200 }), t.Null()])),
    usage: t.Optional(t.Union([UsageSchema, t.Null()])),
    status: t.Optional(
      t.Union([
        t.Literal("completed"),
        t.Literal("incomplete"),
        t.Literal("failed"),
        t.Literal("deleted"),
      ]),
    ),
    stop_reason: t.Optional(t.Union([StopReasonSchema, t.Null()])),
    /** Its parent in this thread; left out: the message imported before it (or the head). */
    parent_seq: t.Optional(t.Union([t.Integer({ minimum: 1 }), t.Null()])),
  },
  { additionalProperties: false },
);
export type ImportedMessage = Static<typeof ImportedMessageSchema>;

export const ImportBodySchema = t.Object(
  { messages: t.Array(ImportedMessageSchema, { minItems: 1, maxItems: IMPORT_MAX_MESSAGES }) },
  { additionalProperties: false },
);
export type ImportBody = Static<typeof ImportBodySchema>;

export const ForkBodySchema = t.Object(
  { at_seq: t.Integer({ minimum: 1 }), metadata: t.Optional(MetadataSchema) },
  { additionalProperties: false },
);
export type ForkBody = Static<typeof ForkBodySchema>;

export const ToolResultBodySchema = t.Object(
  {
    tool_use_id: t.String({ minLength: 1, maxLength: 128 }),
    content: ToolResultContentSchema,
    is_error: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
);
export type ToolResultBody = Static<typeof ToolResultBodySchema>;

/** Model ids and tool names a policy may list, and how many: keeps a token a sane size. */
export const POLICY_MAX_ITEMS = 32;
/** A policy's system prompt travels inside the token: 4,000 chars keeps it under ~6 KB. */
export const POLICY_MAX_SYSTEM_CHARS = 4000;

/** What an end-user token may do, signed into it (API.md "End-user policy"). */
export const EndUserPolicySchema = t.Object(
  {
    models: t.Optional(
      t.Array(t.String({ minLength: 1, maxLength: 200 }), { maxItems: POLICY_MAX_ITEMS }),
    ),
    max_tokens: t.Optional(t.Integer({ minimum: 1, maximum: 1_000_000 })),
    system: t.Optional(t.String({ maxLength: POLICY_MAX_SYSTEM_CHARS })),
    tools_mode: t.Optional(t.Array(ToolsModeSchema, { maxItems: 3 })),
    tools: t.Optional(
      t.Array(ToolDefinitionSchema.properties.name, { maxItems: POLICY_MAX_ITEMS }),
    ),
  },
  { additionalProperties: false },
);
export type EndUserPolicy = Static<typeof EndUserPolicySchema>;

export const EndUserTokenBodySchema = t.Object(
  {
    end_user_id: EndUserIdSchema,
    ttl_seconds: t.Optional(t.Integer({ minimum: 60, maximum: 7 * 24 * 3600 })),
    policy: t.Optional(EndUserPolicySchema),
  },
  { additionalProperties: false },
);
export type EndUserTokenBody = Static<typeof EndUserTokenBodySchema>;

const LimitValue = t.Union([t.Integer({ minimum: 0, maximum: 1e12 }), t.Null()]);

/**
 * A tenant's own limits (admin API); a field left out keeps the server default (`RATE_LIMIT_*`),
 * null in a PATCH goes back to it, 0 turns that limit off for the tenant.
 */
export const TenantLimitsSchema = t.Object(
  {
    sends_per_minute_per_end_user: t.Optional(LimitValue),
    sends_per_minute: t.Optional(LimitValue),
    requests_per_minute_per_end_user: t.Optional(LimitValue),
    streams_per_end_user: t.Optional(LimitValue),
    streams: t.Optional(LimitValue),
    daily_tokens_per_end_user: t.Optional(LimitValue),
    /**
     * Threads inactive (no message) for longer than this many days are deleted by the retention
     * worker; 0 or unset keeps them forever. At most 100 years.
     */
    retention_days: t.Optional(t.Union([t.Integer({ minimum: 0, maximum: 36_500 }), t.Null()])),
  },
  { additionalProperties: false },
);
export type TenantLimitsPatch = Static<typeof TenantLimitsSchema>;
export type TenantLimitName = keyof TenantLimitsPatch;
export type TenantLimits = Partial<Record<TenantLimitName, number>>;

export const UpdateTenantBodySchema = t.Object(
  { limits: t.Optional(TenantLimitsSchema) },
  { additionalProperties: false },
);

export const CreateTenantBodySchema = t.Object(
  { name: t.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

/** Query strings arrive as strings; the routes parse numbers themselves to answer 400, not 422. */
export const ListThreadsQuerySchema = t.Object({
  end_user_id: t.Optional(t.String()),
  limit: t.Optional(t.String()),
  cursor: t.Optional(t.String()),
});

export const HistoryQuerySchema = t.Object({
  limit: t.Optional(t.String()),
  cursor: t.Optional(t.String()),
  order: t.Optional(t.String()),
  /** Comma-separated: `tools` (tool messages and blocks), `summaries` (compaction summaries). */
  include: t.Optional(t.String({ description: "`tools`, `summaries` or both, comma-separated" })),
  /** `active` (default): the ancestors of the head; `all`: every message in seq order. */
  branch: t.Optional(t.String()),
  /** `ui`: the AI SDK's `UIMessage[]` (src/http/compat/ui/ui-history.ts). */
  format: t.Optional(t.String()),
});

/**
 * Wire objects of the REST API beyond thread and message (objects.ts): send results, deletions,
 * models, credentials, tenants, search hits, usage, health. Pure schemas: the OpenAPI document
 * declares its responses with them, and test/openapi-responses.test.ts checks real answers.
 */
import { type Static, Type as t } from "@sinclair/typebox";
import { ListSchema, MessageSchema, ThreadSchema } from "./objects.ts";
import { EndUserPolicySchema, TenantLimitsSchema } from "./requests.ts";
import { WireToolSchema } from "./tools.ts";

export const AppendResultSchema = t.Object(
  { user_message: MessageSchema },
  { title: "AppendResult", description: "A send without `model`: the user message only." },
);

export const TurnResultSchema = t.Object(
  { user_message: MessageSchema, assistant_message: MessageSchema },
  {
    title: "TurnResult",
    description:
      "A send with `model` and `stream: false`: both messages once the turn settled (or waits for a client tool).",
  },
);

export const RegenerateResultSchema = t.Object(
  { assistant_message: MessageSchema },
  {
    title: "RegenerateResult",
    description: "A regenerate with `stream: false`: the new answer once its turn settled.",
  },
);

export const ImportResultSchema = t.Object(
  { object: t.Literal("import"), thread_id: t.String(), seqs: t.Array(t.Integer()) },
  { title: "ImportResult", description: "The seqs the imported messages got, in order." },
);

export const DeletedThreadSchema = t.Object(
  { id: t.String(), object: t.Literal("thread"), deleted: t.Literal(true) },
  { title: "DeletedThread" },
);

/** The answer of `DELETE /v1/end_users/:end_user_id` (erasure). */
export const ErasedEndUserSchema = t.Object(
  {
    id: t.String({ description: "The erased end user id, as given." }),
    object: t.Literal("end_user"),
    deleted: t.Literal(true),
    threads_deleted: t.Integer({ minimum: 0 }),
    usage_entries_anonymized: t.Integer({ minimum: 0 }),
  },
  { title: "ErasedEndUser" },
);

export const ToolResultAcceptedSchema = t.Object(
  { object: t.Literal("tool_result"), tool_use_id: t.String(), accepted: t.Literal(true) },
  { title: "ToolResultAccepted" },
);

export const ModelSchema = t.Object(
  {
    id: t.String({ examples: ["spool/echo"] }),
    object: t.Literal("model"),
    provider: t.String(),
    max_output_tokens: t.Optional(t.Integer()),
    context_window: t.Optional(t.Integer()),
  },
  { title: "Model" },
);
export type Model = Static<typeof ModelSchema>;

export const EndUserTokenSchema = t.Object(
  {
    token: t.String({
      description: "`eut_…`: give it to the browser; it sees only this end user.",
    }),
    end_user_id: t.String(),
    expires_at: t.String(),
    /** The end-user policy signed into the token, when one was given. */
    policy: t.Optional(EndUserPolicySchema),
  },
  { title: "EndUserToken" },
);

export const TenantSchema = t.Object(
  { id: t.String(), object: t.Literal("tenant"), name: t.String(), created_at: t.String() },
  { title: "Tenant" },
);

export const TenantWithLimitsSchema = t.Object(
  {
    id: t.String(),
    object: t.Literal("tenant"),
    name: t.String(),
    created_at: t.String(),
    /** The tenant's own limits; a limit not listed is the server default. */
    limits: TenantLimitsSchema,
  },
  { title: "TenantWithLimits" },
);

export const SecretKeySchema = t.Object(
  {
    id: t.String(),
    object: t.Literal("secret_key"),
    tenant: t.String(),
    hint: t.String({ description: "First and last characters; the key itself is never stored." }),
    created_at: t.String(),
    revoked_at: t.Union([t.String(), t.Null()]),
  },
  { title: "SecretKey" },
);

export const CreatedTenantSchema = t.Object(
  {
    tenant: TenantSchema,
    secret_key: t.String({ description: "`sk_…`, shown this once." }),
    key: SecretKeySchema,
  },
  { title: "CreatedTenant" },
);

export const CreatedKeySchema = t.Object(
  { secret_key: t.String({ description: "`sk_…`, shown this once." }), key: SecretKeySchema },
  { title: "CreatedKey" },
);

export const DeletedToolSchema = t.Object(
  { object: t.Literal("tool"), name: t.String(), deleted: t.Literal(true) },
  { title: "DeletedTool" },
);

export const SearchHitSchema = t.Object(
  {
    object: t.Literal("search_hit"),
    thread_id: t.String(),
    seq: t.Integer(),
    role: t.Union([t.Literal("user"), t.Literal("assistant"), t.Literal("tool")]),
    block_type: t.Union([t.Literal("text"), t.Literal("tool_use"), t.Literal("tool_result")]),
    snippet: t.String({ description: "HTML-escaped text with `<mark>…</mark>` around matches." }),
    score: t.Number(),
    created_at: t.String(),
  },
  { title: "SearchHit" },
);

export const UsageReportSchema = t.Object(
  {
    object: t.Literal("usage"),
    end_user_id: t.Union([t.String(), t.Null()]),
    from: t.Union([t.String(), t.Null()]),
    to: t.Union([t.String(), t.Null()]),
    input_tokens: t.Integer(),
    output_tokens: t.Integer(),
    total_tokens: t.Integer(),
    messages: t.Integer(),
    estimated_messages: t.Integer(),
  },
  { title: "UsageReport" },
);

export const HealthSchema = t.Object({ status: t.Literal("ok") }, { title: "Health" });

export const ReadySchema = t.Object(
  { status: t.Literal("ready"), checks: t.Record(t.String(), t.String()) },
  { title: "Ready" },
);

export const NotReadySchema = t.Object(
  {
    /** `draining`: the node is shutting down (running answers still finish). */
    status: t.Union([t.Literal("unavailable"), t.Literal("draining")]),
    reason: t.String(),
  },
  { title: "NotReady" },
);

/** Pages of each listed object (`{object:"list", data, has_more, next_cursor}`). */
export const ThreadListSchema = ListSchema(ThreadSchema);
export const MessageListSchema = ListSchema(MessageSchema);
export const SearchHitListSchema = ListSchema(SearchHitSchema);
export const ModelListSchema = ListSchema(ModelSchema);
export const SecretKeyListSchema = ListSchema(SecretKeySchema);
export const ToolListSchema = ListSchema(WireToolSchema);
/** An admin's view of a tenant: its key ids and hints, never a secret. */
export const TenantWithKeysSchema = t.Object(
  {
    id: t.String(),
    object: t.Literal("tenant"),
    name: t.String(),
    created_at: t.String(),
    keys: t.Array(SecretKeySchema),
  },
  { title: "TenantWithKeys" },
);
export const TenantListSchema = ListSchema(TenantWithKeysSchema);

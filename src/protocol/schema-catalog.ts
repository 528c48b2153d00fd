/**
 * The named schemas of the wire contract. The OpenAPI and AsyncAPI generators replace every
 * occurrence of one of these objects (by identity) with a `$ref` to its name, so both documents
 * share one vocabulary (`Message`, `Block`, `StreamEvent`…) and generated clients get named types.
 */
import type { TSchema } from "@sinclair/typebox";
import {
  BlockSchema,
  ImageBlockSchema,
  ImageSourceSchema,
  TextBlockSchema,
  ThinkingBlockSchema,
  ToolResultBlockSchema,
  ToolUseBlockSchema,
} from "./blocks.ts";
import {
  BlockDeltaEventSchema,
  BlockDeltaSchema,
  BlockStartEventSchema,
  BlockStopEventSchema,
  MessageCreatedEventSchema,
  MessageFinalEventSchema,
  StreamCursorSchema,
  StreamEventSchema,
  StreamResetEventSchema,
  ToolWaitingEventSchema,
} from "./events.ts";
import {
  MessageErrorSchema,
  MessageSchema,
  MetadataSchema,
  ThreadSchema,
  UsageSchema,
} from "./objects.ts";
import {
  AppendResultSchema,
  CreatedKeySchema,
  CreatedTenantSchema,
  DeletedThreadSchema,
  DeletedToolSchema,
  EndUserTokenSchema,
  ErasedEndUserSchema,
  HealthSchema,
  MessageListSchema,
  ModelListSchema,
  ModelSchema,
  NotReadySchema,
  ReadySchema,
  SearchHitListSchema,
  SearchHitSchema,
  SecretKeyListSchema,
  SecretKeySchema,
  TenantListSchema,
  TenantSchema,
  TenantWithKeysSchema,
  TenantWithLimitsSchema,
  ThreadListSchema,
  ToolListSchema,
  ToolResultAcceptedSchema,
  TurnResultSchema,
  UsageReportSchema,
} from "./resources.ts";
import { WireToolSchema } from "./tools.ts";

export const NAMED_SCHEMAS: Record<string, TSchema> = {
  Thread: ThreadSchema,
  Metadata: MetadataSchema,
  Message: MessageSchema,
  Usage: UsageSchema,
  MessageError: MessageErrorSchema,
  Block: BlockSchema,
  TextBlock: TextBlockSchema,
  ImageBlock: ImageBlockSchema,
  ImageSource: ImageSourceSchema,
  ToolUseBlock: ToolUseBlockSchema,
  ToolResultBlock: ToolResultBlockSchema,
  ThinkingBlock: ThinkingBlockSchema,
  StreamCursor: StreamCursorSchema,
  StreamEvent: StreamEventSchema,
  MessageCreatedEvent: MessageCreatedEventSchema,
  BlockStartEvent: BlockStartEventSchema,
  BlockDeltaEvent: BlockDeltaEventSchema,
  BlockDelta: BlockDeltaSchema,
  BlockStopEvent: BlockStopEventSchema,
  ToolWaitingEvent: ToolWaitingEventSchema,
  MessageFinalEvent: MessageFinalEventSchema,
  StreamResetEvent: StreamResetEventSchema,
  AppendResult: AppendResultSchema,
  TurnResult: TurnResultSchema,
  DeletedThread: DeletedThreadSchema,
  ErasedEndUser: ErasedEndUserSchema,
  ToolResultAccepted: ToolResultAcceptedSchema,
  Model: ModelSchema,
  EndUserToken: EndUserTokenSchema,
  Tenant: TenantSchema,
  TenantWithLimits: TenantWithLimitsSchema,
  SecretKey: SecretKeySchema,
  CreatedTenant: CreatedTenantSchema,
  CreatedKey: CreatedKeySchema,
  Tool: WireToolSchema,
  DeletedTool: DeletedToolSchema,
  SearchHit: SearchHitSchema,
  UsageReport: UsageReportSchema,
  Health: HealthSchema,
  Ready: ReadySchema,
  NotReady: NotReadySchema,
  ThreadList: ThreadListSchema,
  MessageList: MessageListSchema,
  SearchHitList: SearchHitListSchema,
  ModelList: ModelListSchema,
  SecretKeyList: SecretKeyListSchema,
  TenantWithKeys: TenantWithKeysSchema,
  TenantList: TenantListSchema,
  ToolList: ToolListSchema,
};

/**
 * `schema` as plain JSON Schema with each named sub-schema (other than `self`) replaced by
 * `{$ref: refBase + name}`; TypeBox's symbol keys are dropped.
 */
export function toRefSchema(
  schema: unknown,
  refBase: string,
  names: Map<unknown, string>,
  self?: unknown,
): unknown {
  if (schema !== self && names.has(schema)) return { $ref: `${refBase}${names.get(schema)}` };
  if (Array.isArray(schema)) return schema.map((item) => toRefSchema(item, refBase, names));
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = toRefSchema(value, refBase, names);
  return out;
}

/** Schema object → catalog name, for toRefSchema. */
export function catalogNames(extra: Record<string, TSchema> = {}): Map<unknown, string> {
  const names = new Map<unknown, string>();
  for (const [name, schema] of Object.entries({ ...NAMED_SCHEMAS, ...extra }))
    names.set(schema, name);
  return names;
}

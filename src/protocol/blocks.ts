/**
 * Content blocks: Spool's one message format (API.md "Objects"). Providers are translated to and
 * from these; the stored thread is always in this form. A plain string is accepted on input as one
 * text block (see domain/content.ts).
 */
import { type Static, Type as t } from "@sinclair/typebox";

export const MAX_TEXT_CHARS = 1_000_000;
export const MAX_BLOCKS_PER_MESSAGE = 256;

export const TextBlockSchema = t.Object(
  { type: t.Literal("text"), text: t.String({ maxLength: MAX_TEXT_CHARS }) },
  { additionalProperties: false },
);
export type TextBlock = Static<typeof TextBlockSchema>;

export const ImageSourceSchema = t.Union([
  t.Object(
    {
      type: t.Literal("url"),
      url: t.String({ minLength: 1, maxLength: 8192, pattern: "^https?://" }),
    },
    { additionalProperties: false },
  ),
  t.Object(
    {
      type: t.Literal("base64"),
      media_type: t.Union([
        t.Literal("image/png"),
        t.Literal("image/jpeg"),
        t.Literal("image/gif"),
        t.Literal("image/webp"),
      ]),
      data: t.String({ minLength: 1, pattern: "^[A-Za-z0-9+/=\\s]+$" }),
    },
    { additionalProperties: false },
  ),
]);
export type ImageSource = Static<typeof ImageSourceSchema>;

export const ImageBlockSchema = t.Object(
  { type: t.Literal("image"), source: ImageSourceSchema },
  { additionalProperties: false },
);
export type ImageBlock = Static<typeof ImageBlockSchema>;

export const ToolUseBlockSchema = t.Object(
  {
    type: t.Literal("tool_use"),
    id: t.String({ minLength: 1, maxLength: 128 }),
    name: t.String({ minLength: 1, maxLength: 128 }),
    input: t.Record(t.String(), t.Unknown()),
  },
  { additionalProperties: false },
);
export type ToolUseBlock = Static<typeof ToolUseBlockSchema>;

/** What a tool answered: a string, or text and image blocks. */
export const ToolResultContentSchema = t.Union([
  t.String({ maxLength: MAX_TEXT_CHARS }),
  t.Array(t.Union([TextBlockSchema, ImageBlockSchema]), { maxItems: MAX_BLOCKS_PER_MESSAGE }),
]);

export const ToolResultBlockSchema = t.Object(
  {
    type: t.Literal("tool_result"),
    tool_use_id: t.String({ minLength: 1, maxLength: 128 }),
    content: ToolResultContentSchema,
    is_error: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
);
export type ToolResultBlock = Static<typeof ToolResultBlockSchema>;

export const ThinkingBlockSchema = t.Object(
  {
    type: t.Literal("thinking"),
    thinking: t.String({ maxLength: MAX_TEXT_CHARS }),
    /** Provider signature that must accompany the block when it is sent back (Anthropic). */
    signature: t.Optional(t.String()),
    /** The provider that produced the block; it is sent back to that provider only. */
    provider: t.Optional(t.String()),
  },
  { additionalProperties: false },
);
export type ThinkingBlock = Static<typeof ThinkingBlockSchema>;

export const BlockSchema = t.Union([
  TextBlockSchema,
  ImageBlockSchema,
  ToolUseBlockSchema,
  ToolResultBlockSchema,
  ThinkingBlockSchema,
]);
export type Block = Static<typeof BlockSchema>;

export const ContentInputSchema = t.Union([
  t.String({ maxLength: MAX_TEXT_CHARS }),
  t.Array(BlockSchema, { minItems: 1, maxItems: MAX_BLOCKS_PER_MESSAGE }),
]);
export type ContentInput = Static<typeof ContentInputSchema>;

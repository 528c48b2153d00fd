/**
 * The compatibility endpoints' wire shapes as the OpenAPI document declares them: the error
 * bodies of OpenAI and Anthropic, and their main objects, loosely (the providers' own references
 * are exact; these name the object and its key fields so generated clients get a real type).
 */
import { type TProperties, Type as t } from "@sinclair/typebox";

export const OpenAIErrorBodySchema = t.Object(
  {
    error: t.Object({
      message: t.String(),
      type: t.String(),
      param: t.Union([t.String(), t.Null()]),
      code: t.Union([t.String(), t.Null()]),
    }),
  },
  { title: "OpenAIError" },
);

export const AnthropicErrorBodySchema = t.Object(
  {
    type: t.Literal("error"),
    error: t.Object({ type: t.String(), message: t.String() }),
  },
  { title: "AnthropicError" },
);

/** A provider object: its `object`/`type` tag and key fields; other fields as the provider's. */
function loose<P extends TProperties>(title: string, properties: P, description: string) {
  return t.Object(properties, { title, description, additionalProperties: true });
}

export const OpenAIChatCompletionSchema = loose(
  "OpenAIChatCompletion",
  {
    id: t.String(),
    object: t.Literal("chat.completion"),
    created: t.Integer(),
    model: t.String(),
    choices: t.Array(t.Record(t.String(), t.Unknown())),
  },
  "OpenAI's ChatCompletion object; with `stream: true`, `text/event-stream` of chunks ending `data: [DONE]`.",
);

export const OpenAIChatChunkSchema = loose(
  "OpenAIChatCompletionChunk",
  { id: t.String(), object: t.Literal("chat.completion.chunk"), choices: t.Array(t.Unknown()) },
  "One `data:` of a streamed chat completion (the stream ends with `data: [DONE]`).",
);

export const OpenAIResponseSchema = loose(
  "OpenAIResponse",
  {
    id: t.String(),
    object: t.Literal("response"),
    status: t.String(),
    output: t.Array(t.Record(t.String(), t.Unknown())),
  },
  "OpenAI's Response object.",
);

export const OpenAIResponseEventSchema = loose(
  "OpenAIResponseEvent",
  { type: t.String(), sequence_number: t.Integer() },
  "One `data:` of a streamed response; `sequence_number` counts the response's events.",
);

export const OpenAIConversationSchema = loose(
  "OpenAIConversation",
  { id: t.String(), object: t.Literal("conversation"), created_at: t.Integer() },
  "OpenAI's Conversation object (a Spool thread).",
);

export const OpenAIListSchema = loose(
  "OpenAIList",
  { object: t.Literal("list"), data: t.Array(t.Record(t.String(), t.Unknown())) },
  "An OpenAI list (models, conversation items).",
);

export const AnthropicMessageSchema = loose(
  "AnthropicMessage",
  {
    id: t.String(),
    type: t.Literal("message"),
    role: t.Literal("assistant"),
    content: t.Array(t.Record(t.String(), t.Unknown())),
    model: t.String(),
  },
  "Anthropic's Message object; with `stream: true`, `text/event-stream` of Anthropic's events.",
);

export const AnthropicStreamEventSchema = loose(
  "AnthropicStreamEvent",
  { type: t.String() },
  "One event of a streamed Anthropic message (`event:` carries the same type).",
);

export const UIMessageSchema = loose(
  "UIMessage",
  { id: t.String(), role: t.String(), parts: t.Array(t.Record(t.String(), t.Unknown())) },
  "An AI SDK UIMessage.",
);

export const UIMessageChunkSchema = loose(
  "UIMessageChunk",
  { type: t.String() },
  "One `data:` of the AI SDK UI message stream v1 (the stream ends with `data: [DONE]`).",
);

export const AnthropicModelListSchema = loose(
  "AnthropicModelList",
  {
    data: t.Array(t.Record(t.String(), t.Unknown())),
    has_more: t.Boolean(),
    first_id: t.Union([t.String(), t.Null()]),
    last_id: t.Union([t.String(), t.Null()]),
  },
  "Anthropic's model list.",
);

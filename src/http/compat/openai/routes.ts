/**
 * The OpenAI-compatible API under `/compat/openai/v1` (API.md "Compatibility endpoints"): Chat
 * Completions, Responses (with resume by `starting_after`), Conversations and Models. Bodies are
 * read by the handlers (parse: "none"), so every error has OpenAI's shape.
 */
import { Elysia } from "elysia";
import {
  OpenAIChatChunkSchema,
  OpenAIChatCompletionSchema,
  OpenAIConversationSchema,
  OpenAIListSchema,
  OpenAIResponseEventSchema,
  OpenAIResponseSchema,
} from "../../../protocol/compat-wire.ts";
import type { Services } from "../../services.ts";
import { compatDoc, turnAnswer } from "../shared/compat-docs.ts";
import { guarded } from "../shared/compat-route.ts";
import { chatCompletions, listModels } from "./chat-routes.ts";
import { createConversation, listItems, retrieveConversation } from "./conversation-routes.ts";
import { cancelResponse, createResponse, retrieveResponse } from "./responses-routes.ts";

const RAW = { parse: "none" as const };

const RESUME_PARAMETERS = [
  {
    name: "stream",
    in: "query",
    required: false,
    schema: { type: "string", enum: ["true", "false"] },
  },
  {
    name: "starting_after",
    in: "query",
    required: false,
    description: "Resume the event stream after this sequence_number.",
    schema: { type: "integer", minimum: -1 },
  },
];

export function openaiRoutes(services: Services) {
  const run = (handler: () => Promise<Response>) => guarded(services, "openai", handler);
  return new Elysia({ prefix: "/compat/openai/v1" })
    .post("/chat/completions", ({ request }) => run(() => chatCompletions(services, request)), {
      ...RAW,
      ...compatDoc("openai", {
        operationId: "openaiCreateChatCompletion",
        summary: "OpenAI Chat Completions (stream or not, tools, usage)",
        turn: true,
        responses: {
          200: turnAnswer(
            "A chat completion, or its chunks",
            OpenAIChatCompletionSchema,
            OpenAIChatChunkSchema,
          ),
        },
      }),
    })
    .post("/responses", ({ request }) => run(() => createResponse(services, request)), {
      ...RAW,
      ...compatDoc("openai", {
        operationId: "openaiCreateResponse",
        summary: "OpenAI Responses: create (stream, conversation, previous_response_id)",
        turn: true,
        responses: {
          200: turnAnswer(
            "A response, or its events",
            OpenAIResponseSchema,
            OpenAIResponseEventSchema,
          ),
        },
      }),
    })
    .get(
      "/responses/:id",
      ({ request, params }) => run(() => retrieveResponse(services, request, params.id)),
      {
        ...compatDoc("openai", {
          operationId: "openaiGetResponse",
          summary: "OpenAI Responses: retrieve, or resume with ?stream=true&starting_after=N",
          responses: {
            200: turnAnswer(
              "The response, or its events after starting_after",
              OpenAIResponseSchema,
              OpenAIResponseEventSchema,
            ),
          },
          errors: [400, 404],
          parameters: RESUME_PARAMETERS,
        }),
      },
    )
    .post(
      "/responses/:id/cancel",
      ({ request, params }) => run(() => cancelResponse(services, request, params.id)),
      {
        ...RAW,
        ...compatDoc("openai", {
          operationId: "openaiCancelResponse",
          summary: "OpenAI Responses: cancel a running response",
          responses: { 200: OpenAIResponseSchema },
          errors: [404],
        }),
      },
    )
    .post("/conversations", ({ request }) => run(() => createConversation(services, request)), {
      ...RAW,
      ...compatDoc("openai", {
        operationId: "openaiCreateConversation",
        summary: "OpenAI Conversations: create (a Spool thread)",
        responses: { 200: OpenAIConversationSchema },
        errors: [400, 413, 422],
      }),
    })
    .get(
      "/conversations/:id",
      ({ request, params }) => run(() => retrieveConversation(services, request, params.id)),
      {
        ...compatDoc("openai", {
          operationId: "openaiGetConversation",
          summary: "OpenAI Conversations: retrieve",
          responses: { 200: OpenAIConversationSchema },
          errors: [404],
        }),
      },
    )
    .get(
      "/conversations/:id/items",
      ({ request, params }) => run(() => listItems(services, request, params.id)),
      {
        ...compatDoc("openai", {
          operationId: "openaiListConversationItems",
          summary: "OpenAI Conversations: the thread's messages as items",
          responses: { 200: OpenAIListSchema },
          errors: [400, 404],
        }),
      },
    )
    .get("/models", ({ request }) => run(() => listModels(services, request)), {
      ...compatDoc("openai", {
        operationId: "openaiListModels",
        summary: "OpenAI: the configured models",
        responses: { 200: OpenAIListSchema },
      }),
    });
}

/**
 * The OpenAI-compatible API under `/compat/openai/v1` (API.md "Compatibility endpoints"): Chat
 * Completions, Responses (with resume by `starting_after`), Conversations and Models. Bodies are
 * read by the handlers (parse: "none"), so every error has OpenAI's shape.
 */
import { Elysia } from "elysia";
import type { Services } from "../../services.ts";
import { guarded } from "../shared/compat-route.ts";
import { chatCompletions, listModels } from "./chat-routes.ts";
import { createConversation, listItems, retrieveConversation } from "./conversation-routes.ts";
import { cancelResponse, createResponse, retrieveResponse } from "./responses-routes.ts";

const RAW = { parse: "none" as const };

export function openaiRoutes(services: Services) {
  const run = (handler: () => Promise<Response>) => guarded(services, "openai", handler);
  return new Elysia({ prefix: "/compat/openai/v1" })
    .post("/chat/completions", ({ request }) => run(() => chatCompletions(services, request)), {
      ...RAW,
      detail: {
        summary: "OpenAI Chat Completions (stream or not, tools, usage)",
        tags: ["compat"],
      },
    })
    .post("/responses", ({ request }) => run(() => createResponse(services, request)), {
      ...RAW,
      detail: {
        summary: "OpenAI Responses: create (stream, conversation, previous_response_id)",
        tags: ["compat"],
      },
    })
    .get(
      "/responses/:id",
      ({ request, params }) => run(() => retrieveResponse(services, request, params.id)),
      {
        detail: {
          summary: "OpenAI Responses: retrieve, or resume with ?stream=true&starting_after=N",
          tags: ["compat"],
        },
      },
    )
    .post(
      "/responses/:id/cancel",
      ({ request, params }) => run(() => cancelResponse(services, request, params.id)),
      {
        ...RAW,
        detail: { summary: "OpenAI Responses: cancel a running response", tags: ["compat"] },
      },
    )
    .post("/conversations", ({ request }) => run(() => createConversation(services, request)), {
      ...RAW,
      detail: { summary: "OpenAI Conversations: create (a Spool thread)", tags: ["compat"] },
    })
    .get(
      "/conversations/:id",
      ({ request, params }) => run(() => retrieveConversation(services, request, params.id)),
      {
        detail: { summary: "OpenAI Conversations: retrieve", tags: ["compat"] },
      },
    )
    .get(
      "/conversations/:id/items",
      ({ request, params }) => run(() => listItems(services, request, params.id)),
      {
        detail: {
          summary: "OpenAI Conversations: the thread's messages as items",
          tags: ["compat"],
        },
      },
    )
    .get("/models", ({ request }) => run(() => listModels(services, request)), {
      detail: { summary: "OpenAI: the configured models", tags: ["compat"] },
    });
}

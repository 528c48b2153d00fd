/**
 * The OpenAI-compatible API under `/compat/openai/v1` (API.md "Compatibility endpoints"): Chat
 * Completions, Responses (with resume by `starting_after`), Conversations and Models. Bodies are
 * read by the handlers (parse: "none"), so every error has OpenAI's shape.
 */
import { Elysia } from "elysia";
import type { Services } from "../../services.ts";
import { guarded } from "../shared/compat-route.ts";
import { chatCompletions, listModels } from "./chat-routes.ts";

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
    .get("/models", ({ request }) => run(() => listModels(services, request)), {
      detail: { summary: "OpenAI: the configured models", tags: ["compat"] },
    });
}

/**
 * The Anthropic-compatible API under `/compat/anthropic` (the SDK appends `/v1/messages`):
 * Messages, stream or not, and the model list. `x-api-key` or `Authorization: Bearer` carries
 * the secret key or an end-user token. Bodies are read by the handler, so every error has
 * Anthropic's shape.
 */
import { Elysia } from "elysia";
import {
  AnthropicMessageSchema,
  AnthropicModelListSchema,
  AnthropicStreamEventSchema,
} from "../../../protocol/compat-wire.ts";
import type { Services } from "../../services.ts";
import { compatDoc, turnAnswer } from "../shared/compat-docs.ts";
import { GenerationFailedError } from "../shared/compat-errors.ts";
import { turnHeaders } from "../shared/compat-request.ts";
import {
  compatAuth,
  compatBody,
  guarded,
  jsonResponse,
  startCompatTurn,
} from "../shared/compat-route.ts";
import { compatSse } from "../shared/compat-sse.ts";
import { outcomeOf } from "../shared/turn-outcome.ts";
import { parseMessagesRequest } from "./messages-request.ts";
import { AnthropicEventMapper, anthropicMessage } from "./messages-response.ts";

async function createMessage(services: Services, request: Request): Promise<Response> {
  const auth = await compatAuth(services, request);
  const body = await compatBody(services, request);
  const parsed = parseMessagesRequest(body);
  const turn = await startCompatTurn(services, auth, request, body, parsed, {
    transport: "anthropic",
    kind: "anthropic",
  });
  const headers = turnHeaders(turn.thread.id, turn.assistantSeq);
  if (parsed.stream)
    return compatSse(turn, new AnthropicEventMapper(parsed.model), headers, {
      connections: services.connections,
      keyId: auth.keyId,
    });
  turn.events.detach();
  const message = await turn.finished();
  const outcome = outcomeOf(message);
  if (outcome.stop === "failed")
    throw new GenerationFailedError(outcome.error?.message ?? "The generation failed.");
  return jsonResponse(anthropicMessage(message, parsed.model), headers);
}

async function listModels(services: Services, request: Request): Promise<Response> {
  await compatAuth(services, request);
  const data = services.catalog.list().map((m) => ({
    type: "model",
    id: m.id,
    display_name: m.id,
    created_at: new Date(0).toISOString(),
  }));
  return jsonResponse({
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  });
}

export function anthropicRoutes(services: Services) {
  const run = (handler: () => Promise<Response>) => guarded(services, "anthropic", handler);
  return new Elysia({ prefix: "/compat/anthropic/v1" })
    .post("/messages", ({ request }) => run(() => createMessage(services, request)), {
      parse: "none",
      ...compatDoc("anthropic", {
        operationId: "anthropicCreateMessage",
        summary: "Anthropic Messages (stream or not, tools, thinking)",
        description:
          "The key as `x-api-key` (as Anthropic's SDK sends it) or `Authorization: Bearer`.",
        turn: true,
        responses: {
          200: turnAnswer(
            "A message, or its events",
            AnthropicMessageSchema,
            AnthropicStreamEventSchema,
          ),
        },
      }),
    })
    .get("/models", ({ request }) => run(() => listModels(services, request)), {
      ...compatDoc("anthropic", {
        operationId: "anthropicListModels",
        summary: "Anthropic: the configured models",
        responses: { 200: AnthropicModelListSchema },
      }),
    });
}

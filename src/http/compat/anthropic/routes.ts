/**
 * The Anthropic-compatible API under `/compat/anthropic` (the SDK appends `/v1/messages`):
 * Messages, stream or not, and the model list. `x-api-key` or `Authorization: Bearer` carries
 * the secret key or an end-user token. Bodies are read by the handler, so every error has
 * Anthropic's shape.
 */
import { Elysia } from "elysia";
import type { Services } from "../../services.ts";
import { sendFields } from "../openai/chat-routes.ts";
import { GenerationFailedError } from "../shared/compat-errors.ts";
import {
  idempotencyKey,
  requestFingerprint,
  threadIdHeader,
  turnHeaders,
} from "../shared/compat-request.ts";
import {
  compatAuth,
  compatBody,
  guarded,
  jsonResponse,
  requireModel,
} from "../shared/compat-route.ts";
import { compatSse } from "../shared/compat-sse.ts";
import { outcomeOf } from "../shared/turn-outcome.ts";
import { parseMessagesRequest } from "./messages-request.ts";
import { AnthropicEventMapper, anthropicMessage } from "./messages-response.ts";

async function createMessage(services: Services, request: Request): Promise<Response> {
  const auth = await compatAuth(services, request);
  const body = await compatBody(services, request);
  const parsed = parseMessagesRequest(body);
  requireModel(services, parsed.model);
  const turn = await services.compat.start(auth, {
    transport: "anthropic",
    threadId: threadIdHeader(request),
    endUserId: parsed.user,
    messages: parsed.messages,
    allNew: false,
    body: sendFields(parsed),
    idempotencyKey: idempotencyKey(request),
    requestFingerprint: requestFingerprint(body, "anthropic"),
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
      detail: { summary: "Anthropic Messages (stream or not, tools, thinking)", tags: ["compat"] },
    })
    .get("/models", ({ request }) => run(() => listModels(services, request)), {
      detail: { summary: "Anthropic: the configured models", tags: ["compat"] },
    });
}

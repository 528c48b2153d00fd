/**
 * `/compat/openai/v1/chat/completions` and `/models`: thin routes over the Chat Completions
 * translators (chat-request.ts, chat-response.ts) and the compat turn use case.
 */
import type { Services } from "../../services.ts";
import { GenerationFailedError } from "../shared/compat-errors.ts";
import { turnHeaders } from "../shared/compat-request.ts";
import { compatAuth, compatBody, jsonResponse, startCompatTurn } from "../shared/compat-route.ts";
import { compatSse } from "../shared/compat-sse.ts";
import { outcomeOf } from "../shared/turn-outcome.ts";
import { parseChatRequest } from "./chat-request.ts";
import { ChatChunkMapper, chatCompletion } from "./chat-response.ts";

export async function chatCompletions(services: Services, request: Request): Promise<Response> {
  const auth = await compatAuth(services, request);
  const body = await compatBody(services, request);
  const parsed = parseChatRequest(body);
  const turn = await startCompatTurn(services, auth, request, body, parsed, {
    transport: "openai",
    kind: "chat",
  });
  const headers = turnHeaders(turn.thread.id, turn.assistantSeq);
  if (parsed.stream)
    return compatSse(turn, new ChatChunkMapper(parsed.model, parsed.includeUsage), headers, {
      connections: services.connections,
      keyId: auth.keyId,
    });
  turn.events.detach();
  const message = await turn.finished();
  const outcome = outcomeOf(message);
  if (outcome.stop === "failed")
    throw new GenerationFailedError(outcome.error?.message ?? "The generation failed.");
  return jsonResponse(chatCompletion(message, parsed.model), headers);
}

export async function listModels(services: Services, request: Request): Promise<Response> {
  await compatAuth(services, request);
  const data = services.catalog.list().map((m) => ({
    id: m.id,
    object: "model",
    created: 0,
    owned_by: m.provider,
  }));
  return jsonResponse({ object: "list", data });
}

/**
 * `/compat/openai/v1/chat/completions` and `/models`: thin routes over the Chat Completions
 * translators (chat-request.ts, chat-response.ts) and the compat turn use case.
 */
import type { Services } from "../../services.ts";
import { GenerationFailedError } from "../shared/compat-errors.ts";
import {
  idempotencyKey,
  requestFingerprint,
  threadIdHeader,
  turnHeaders,
} from "../shared/compat-request.ts";
import { compatAuth, compatBody, jsonResponse, requireModel } from "../shared/compat-route.ts";
import { compatSse } from "../shared/compat-sse.ts";
import { outcomeOf } from "../shared/turn-outcome.ts";
import { parseChatRequest, type TurnRequest } from "./chat-request.ts";
import { ChatChunkMapper, chatCompletion } from "./chat-response.ts";

/** The send fields a parsed protocol request sets (no content: the use case picks the new ones). */
export function sendFields(turn: TurnRequest) {
  return {
    model: turn.model,
    ...(turn.system === null ? {} : { system: turn.system }),
    ...(turn.tools.length > 0 ? { tools: turn.tools, tools_mode: "client" as const } : {}),
    ...(turn.maxTokens === undefined ? {} : { max_tokens: turn.maxTokens }),
    ...(turn.temperature === undefined ? {} : { temperature: turn.temperature }),
  };
}

export async function chatCompletions(services: Services, request: Request): Promise<Response> {
  const auth = await compatAuth(services, request);
  const body = await compatBody(services, request);
  const parsed = parseChatRequest(body);
  requireModel(services, parsed.model);
  const turn = await services.compat.start(auth, {
    transport: "openai",
    threadId: threadIdHeader(request),
    endUserId: parsed.user,
    messages: parsed.messages,
    allNew: false,
    body: sendFields(parsed),
    idempotencyKey: idempotencyKey(request),
    requestFingerprint: requestFingerprint(body, "chat"),
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

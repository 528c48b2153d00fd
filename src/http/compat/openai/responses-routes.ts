/**
 * `/compat/openai/v1/responses…`: create (stream or not; `conversation`, `previous_response_id`),
 * retrieve, resume (`?stream=true&starting_after=N`: the message's events are replayed from its
 * start through the same mapper, so numbering is identical and only events after N are sent),
 * and cancel. Thin: translators are in responses-request.ts and responses-events.ts.
 */

import type { AuthContext } from "../../../domain/auth-context.ts";
import { toWireMessage } from "../../../domain/records.ts";
import { InvalidRequestError, NotFoundError } from "../../../protocol/errors.ts";
import type { Services } from "../../services.ts";
import { rejectUnsupported, threadIdHeader, turnHeaders } from "../shared/compat-request.ts";
import { compatAuth, compatBody, jsonResponse, startCompatTurn } from "../shared/compat-route.ts";
import { compatSse } from "../shared/compat-sse.ts";
import { decodeResponseId, encodeResponseId } from "./response-ids.ts";
import { type ResponseMeta, ResponsesMapper, responseObject } from "./responses-events.ts";
import { parseResponsesRequest } from "./responses-request.ts";

function threadOf(
  request: Request,
  conversation: string | null,
  previous: string | null,
): string | null {
  const header = threadIdHeader(request);
  const named = [header, conversation, previous].filter((t): t is string => t !== null);
  if (new Set(named).size > 1)
    throw new InvalidRequestError(
      "Spool-Thread-Id, conversation and previous_response_id name different threads.",
      "conversation",
    );
  return named[0] ?? null;
}

export async function createResponse(services: Services, request: Request): Promise<Response> {
  const auth = await compatAuth(services, request);
  const body = await compatBody(services, request);
  const parsed = parseResponsesRequest(body);
  const previous = parsed.previousResponseId
    ? decodeResponseId(services.cursors, auth.tenantId, parsed.previousResponseId).threadId
    : null;
  const threadId = threadOf(request, parsed.conversation, previous);
  const turn = await startCompatTurn(services, auth, request, body, parsed, {
    transport: "openai",
    kind: "responses",
    threadId,
    allNew: parsed.conversation !== null || previous !== null,
  });
  const meta: ResponseMeta = {
    id: encodeResponseId(services.cursors, auth.tenantId, turn.thread.id, turn.assistantSeq),
    model: parsed.model,
    threadId: turn.thread.id,
    previousResponseId: parsed.previousResponseId,
    instructions: parsed.system,
  };
  const headers = turnHeaders(turn.thread.id, turn.assistantSeq);
  const revocation = { connections: services.connections, keyId: auth.keyId };
  if (parsed.stream) return compatSse(turn, new ResponsesMapper(meta), headers, revocation);
  turn.events.detach();
  const message = await turn.finished();
  return jsonResponse(responseObject(message, meta), headers);
}

async function loadResponse(services: Services, auth: AuthContext, id: string) {
  const { threadId, seq } = decodeResponseId(services.cursors, auth.tenantId, id);
  const thread = await services.commands.thread(auth, threadId).catch(() => {
    throw new NotFoundError("response");
  });
  const record = await services.history.message(thread.id, seq);
  if (record?.role !== "assistant") throw new NotFoundError("response");
  const message = toWireMessage(record);
  const meta: ResponseMeta = {
    id,
    model: message.model ?? "",
    threadId: thread.id,
    previousResponseId: null,
    instructions: null,
  };
  return { thread, seq, message, meta };
}

function startingAfter(raw: string | null): number {
  if (raw === null) return -1;
  const value = Number(raw);
  if (!/^\d{1,9}$/.test(raw) || !Number.isSafeInteger(value))
    throw new InvalidRequestError("starting_after must be a whole number.", "starting_after");
  return value;
}

export async function retrieveResponse(services: Services, request: Request, id: string) {
  const auth = await compatAuth(services, request);
  const query = new URL(request.url).searchParams;
  rejectUnsupported(Object.fromEntries(query), ["stream", "starting_after", "include_obfuscation"]);
  const stream = query.get("stream");
  if (stream !== null && stream !== "true" && stream !== "false")
    throw new InvalidRequestError("stream must be true or false.", "stream");
  const after = startingAfter(query.get("starting_after"));
  const { thread, seq, message, meta } = await loadResponse(services, auth, id);
  const headers = turnHeaders(thread.id, seq);
  if (stream !== "true") return jsonResponse(responseObject(message, meta), headers);
  const turn = await services.compat.follow(auth, thread, seq);
  return compatSse(turn, new ResponsesMapper(meta, after), headers, {
    connections: services.connections,
    keyId: auth.keyId,
  });
}

export async function cancelResponse(services: Services, request: Request, id: string) {
  const auth = await compatAuth(services, request);
  const { thread, seq } = await loadResponse(services, auth, id);
  await services.commands.cancel(auth, thread.id, seq);
  const { message, meta } = await loadResponse(services, auth, id);
  return jsonResponse(responseObject(message, meta), turnHeaders(thread.id, seq));
}

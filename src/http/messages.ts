/**
 * `/v1/threads/:id/messages…`: send (append, wait, or stream), history with keyset cursors,
 * one message, delete (erase) one message, cancel, client tool results, and the thread's SSE stream.
 */

import { Type as t } from "@sinclair/typebox";
import { Elysia } from "elysia";
import { positionFromCursor } from "../../actors/event-entry.ts";
import type { AuthContext } from "../domain/auth-context.ts";
import { childrenIndex } from "../domain/branches.ts";
import { toWireMessage } from "../domain/records.ts";
import { parseStreamCursor } from "../domain/stream-cursor.ts";
import { UIMessageSchema } from "../protocol/compat-wire.ts";
import { NotFoundError } from "../protocol/errors.ts";
import { StreamEventSchema } from "../protocol/events.ts";
import { MessageSchema } from "../protocol/objects.ts";
import {
  HistoryQuerySchema,
  type SendBody,
  SendBodySchema,
  ToolResultBodySchema,
} from "../protocol/requests.ts";
import {
  AppendResultSchema,
  MessageListSchema,
  ToolResultAcceptedSchema,
  TurnResultSchema,
} from "../protocol/resources.ts";
import { finalAssistantSeq } from "../use-cases/turn-result.ts";
import { authenticate, loadThread } from "./auth.ts";
import { uiHistoryResponse } from "./compat/ui/ui-history-route.ts";
import { historyPage, messageWithChildren } from "./history-page.ts";
import { parseSeq } from "./query.ts";
import { holdOpen } from "./request-context.ts";
import { IDEMPOTENCY_KEY, routeDoc, STREAM_PARAMETERS } from "./route-docs.ts";
import type { Services } from "./services.ts";
import { followSend, type OpenFollow, streamResponse, turnStart } from "./turn-stream.ts";

export async function messageOrThrow(services: Services, threadId: string, seq: number) {
  const record = await services.history.message(threadId, seq);
  if (!record) throw new NotFoundError("message");
  return toWireMessage(record);
}

async function send(
  services: Services,
  auth: AuthContext,
  threadId: string,
  body: SendBody,
  request: Request,
) {
  const { gateway, ticket, thread, slot } = await services.commands.send(auth, threadId, body, {
    transport: "rest",
    idempotencyKey: request.headers.get("idempotency-key"),
    opensStream: body.stream === true && body.model !== undefined,
  });
  if (ticket.assistantSeq === null) {
    slot?.release();
    // The record the actor just wrote, when it ran here; a forwarded or repeated send reads it back.
    const user = ticket.userMessage
      ? toWireMessage(ticket.userMessage)
      : await messageOrThrow(services, thread.id, ticket.userSeq);
    return new Response(JSON.stringify({ user_message: user }), {
      status: 201,
      headers: { "content-type": "application/json" },
    });
  }
  if (body.stream) {
    const open = followSend(gateway, turnStart(ticket.userSeq), slot);
    return streamResponse(services, auth, open, ticket.assistantSeq);
  }
  slot?.release();
  holdOpen(request); // the answer may take longer than the idle timeout, with nothing to send
  await ticket.settled;
  const answerSeq = await finalAssistantSeq(
    (seq) => services.history.message(thread.id, seq),
    ticket.assistantSeq,
  );
  return {
    user_message: await messageOrThrow(services, thread.id, ticket.userSeq),
    assistant_message: await messageOrThrow(services, thread.id, answerSeq),
  };
}

export function messageRoutes(services: Services) {
  return new Elysia({ prefix: "/v1/threads/:id" })
    .post(
      "/messages",
      async ({ request, params, body }) => {
        const auth = await authenticate(services, request, false, "send");
        return send(services, auth, params.id, body, request);
      },
      {
        body: SendBodySchema,
        ...routeDoc({
          operationId: "sendMessage",
          tag: "messages",
          summary: "Send a message (append, or run a model turn)",
          description:
            "Without `model`: appends the user message (201). With `model` and `stream: false`: " +
            "waits for the turn (200 JSON). With `stream: true`: 200 `text/event-stream` of the " +
            "turn's events, starting with `message.created` for both messages. A retry with the " +
            "same `request_id` (or `Idempotency-Key`) returns the original turn.",
          access: "any_key",
          responses: {
            200: {
              description: "The settled turn (JSON), or its live event stream (`stream: true`).",
              json: TurnResultSchema,
              eventStream: StreamEventSchema,
            },
            201: AppendResultSchema,
          },
          errors: [400, 404, 409, 413, 422],
          parameters: [IDEMPOTENCY_KEY],
        }),
      },
    )
    .get(
      "/messages",
      async ({ request, params, query }) => {
        const auth = await authenticate(services, request);
        const thread = await loadThread(services, auth, params.id);
        if (query.format !== undefined) return uiHistoryResponse(services, thread, query);
        return historyPage(services, auth.tenantId, thread, query);
      },
      {
        query: HistoryQuerySchema,
        ...routeDoc({
          operationId: "listMessages",
          tag: "messages",
          summary: "Message history (keyset pages on seq)",
          description:
            "With `format=ui`: the whole thread as the AI SDK's `UIMessage[]` (no paging parameters).",
          access: "any_key",
          responses: {
            200: {
              description: "A page of messages, or with `format=ui` the thread as `UIMessage[]`.",
              json: t.Union([MessageListSchema, t.Array(UIMessageSchema)]),
            },
          },
          errors: [400, 404],
        }),
      },
    )
    .get(
      "/messages/:seq",
      async ({ request, params }) => {
        const auth = await authenticate(services, request);
        const thread = await loadThread(services, auth, params.id);
        const message = await messageWithChildren(services, thread.id, parseSeq(params.seq));
        if (!message) throw new NotFoundError("message");
        return message;
      },
      routeDoc({
        operationId: "getMessage",
        tag: "messages",
        summary: "One message; an in-progress one has its content so far",
        access: "any_key",
        responses: { 200: MessageSchema },
        errors: [400, 404],
      }),
    )
    .delete(
      "/messages/:seq",
      async ({ request, params }) => {
        const auth = await authenticate(services, request);
        const seq = parseSeq(params.seq);
        const erased = await services.commands.deleteMessage(auth, params.id, seq);
        // The owner answers without the tree; `children` as every other read gives it.
        const links = await services.history.links(erased.thread_id);
        return { ...erased, children: childrenIndex(links).get(seq) ?? [] };
      },
      routeDoc({
        operationId: "deleteMessage",
        tag: "messages",
        summary: "Erase one message: status `deleted`, empty content, usage and seq kept",
        description:
          "Runs on the thread's owner: the stored row, the hot tier, the stream replay and the " +
          "search entries lose the content at once; later model contexts leave the message out. " +
          "Idempotent (a deleted message is returned as it is). The message being generated is " +
          "`409 thread_busy`: cancel it first. An end-user token may erase in its own threads.",
        access: "any_key",
        responses: { 200: MessageSchema },
        errors: [400, 404, 409],
      }),
    )
    .post(
      "/messages/:seq/cancel",
      async ({ request, params }) => {
        const auth = await authenticate(services, request);
        const thread = await loadThread(services, auth, params.id);
        const seq = parseSeq(params.seq);
        await messageOrThrow(services, thread.id, seq);
        await services.commands.cancel(auth, thread.id, seq);
        return messageOrThrow(services, thread.id, seq);
      },
      routeDoc({
        operationId: "cancelMessage",
        tag: "messages",
        summary: "Stop a generation (idempotent; a disconnect never cancels)",
        access: "any_key",
        responses: { 200: MessageSchema },
        errors: [400, 404],
      }),
    )
    .post(
      "/tool_results",
      async ({ request, params, body }) => {
        const auth = await authenticate(services, request);
        await services.commands.submitToolResult(auth, params.id, {
          toolUseId: body.tool_use_id,
          content: body.content,
          isError: body.is_error ?? false,
        });
        return { object: "tool_result", tool_use_id: body.tool_use_id, accepted: true };
      },
      {
        body: ToolResultBodySchema,
        ...routeDoc({
          operationId: "submitToolResult",
          tag: "messages",
          summary: "Answer a client-side tool call",
          access: "any_key",
          responses: { 200: ToolResultAcceptedSchema },
          errors: [400, 404, 413, 422],
        }),
      },
    )
    .get(
      "/stream",
      async ({ request, params, query }) => {
        const auth = await authenticate(services, request, true);
        const cursor = request.headers.get("last-event-id") ?? query.after;
        const after = cursor ? positionFromCursor(parseStreamCursor(cursor)) : null;
        const open: OpenFollow = (sink, onDelivered) =>
          services.commands.follow(auth, params.id, after, sink, { onDelivered });
        return streamResponse(services, auth, open, null);
      },
      routeDoc({
        operationId: "streamThread",
        tag: "streaming",
        summary: "SSE: replay after the cursor, then follow the thread live",
        description:
          "Each event is `event: <type>`, `id: <seq>:<offset>`, `data: <json>`; the stream starts " +
          "with `retry: 1000` and sends `event: ping` every 15 s when idle. `Last-Event-ID` wins " +
          "over `after`. A cursor the server cannot honour gets `stream.reset`. See docs/events.md.",
        access: "stream",
        responses: {
          200: {
            description: "The thread's events, until the client closes.",
            eventStream: StreamEventSchema,
          },
        },
        errors: [400, 404],
        parameters: STREAM_PARAMETERS,
      }),
    );
}

/**
 * The AI SDK UI message stream endpoints (API.md "Compatibility endpoints"): `POST /v1/ui/chat`
 * (what `DefaultChatTransport` posts) and `GET /v1/ui/chat/:id/stream` (its resume: 204 when no
 * turn runs). Thin: chat-request.ts reads the body, the seam (`services.commands`) sends and
 * follows, ui-stream-sink.ts writes the chunks. A disconnect never cancels the turn.
 */
import { Elysia } from "elysia";
import { endOf, type Position } from "../../../../actors/event-entry.ts";
import type { AuthContext } from "../../../domain/auth-context.ts";
import { jsonTooDeep } from "../../../domain/input-bounds.ts";
import type { ThreadRecord } from "../../../domain/records.ts";
import { UIMessageChunkSchema } from "../../../protocol/compat-wire.ts";
import { AppError, InvalidRequestError } from "../../../protocol/errors.ts";
import { REQUEST_ID_MAX_CHARS } from "../../../protocol/requests.ts";
import {
  ChatThreads,
  lastAssistantOfTurn,
  runningTurnOf,
} from "../../../use-cases/chat-threads.ts";
import { authenticate } from "../../auth.ts";
import { readBodyText } from "../../body-guard.ts";
import { errorResponse } from "../../error-mapper.ts";
import { IDEMPOTENCY_KEY, routeDoc } from "../../route-docs.ts";
import type { Services } from "../../services.ts";
import { turnStart } from "../../turn-stream.ts";
import { type ChatRequest, parseChatRequest } from "./chat-request.ts";
import { editedMessage, regenerateTarget, uiEditRequestId, uiRequestId } from "./ui-branches.ts";
import { UiStreamSink } from "./ui-stream-sink.ts";
import { UiStreamTranslator } from "./ui-stream-translator.ts";

const UI_TURN_HEADERS = {
  "Spool-Thread-Id": "The thread of the chat.",
  "Spool-Message-Seq": "The seq of the assistant message (or the last message).",
};

export const THREAD_HEADER = "spool-thread-id";
export const SEQ_HEADER = "spool-message-seq";

interface StreamPlan {
  thread: ThreadRecord;
  after: Position;
  firstAssistantSeq: number;
  messageId: string | null;
  knownSeq: number | null;
  /** Tool waits before this seq are answered (the turn went on): they do not end the stream. */
  answeredBelow: number;
}

/** Far past any real chat; only guards JSON.parse's recursion. The 64-level rule, with its param, is parseChatRequest's. */
const PARSE_DEPTH_LIMIT = 1024;

/**
 * The body with the streamed byte cap (a chunked body cannot pass MAX_BODY_BYTES): this route sits
 * before the app's body guard so that parseChatRequest can name the offending part in `param`.
 */
async function readChatBody(services: Services, request: Request): Promise<unknown> {
  const text = await readBodyText(request, services.config.limits.maxBodyBytes);
  if (jsonTooDeep(text, PARSE_DEPTH_LIMIT))
    throw new InvalidRequestError("The JSON body nests too deeply.");
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError("The request body is not valid JSON.");
  }
}

export function uiChatRoutes(services: Services) {
  const chats = new ChatThreads(services);
  return new Elysia({ prefix: "/v1/ui/chat" })
    .post(
      "",
      async ({ request }) => {
        const auth = await authenticate(services, request);
        const chat = parseChatRequest(await readChatBody(services, request));
        const thread = await chats.resolve(auth, chatThreadOf(request, chat.chatId), {
          create: chat.input.kind === "user",
          endUserId: chat.endUserId,
        });
        if (!thread) throw new InvalidRequestError("No thread has this chat id yet.", "id");
        return withThread(thread, services, async () => {
          const plan =
            chat.input.kind === "user"
              ? await send(services, chats, auth, thread, chat, request)
              : chat.input.kind === "regenerate"
                ? await regenerate(services, auth, thread, chat, request)
                : await continueWithOutputs(services, chats, auth, thread, chat);
          return stream(services, auth, plan);
        });
      },
      {
        parse: "none",
        ...routeDoc({
          operationId: "uiChat",
          tag: "compat",
          summary: "AI SDK chat (UI message stream v1): send, or answer client tools",
          access: "any_key",
          responses: {
            200: {
              description:
                "`x-vercel-ai-ui-message-stream: v1` SSE of UI chunks, ending `data: [DONE]`.",
              eventStream: UIMessageChunkSchema,
              headers: UI_TURN_HEADERS,
            },
          },
          errors: [400, 404, 409, 413, 422],
          parameters: [IDEMPOTENCY_KEY],
        }),
      },
    )
    .get(
      "/:id/stream",
      async ({ request, params }) => {
        const auth = await authenticate(services, request, true);
        const endUserId = new URL(request.url).searchParams.get("end_user_id") ?? undefined;
        const chatId = chatThreadOf(request, params.id);
        const thread = await chats.resolve(auth, chatId, { create: false, endUserId });
        if (!thread) return new Response(null, { status: 204 });
        return withThread(thread, services, async () => {
          const tail = await chats.tail(thread.id);
          const turn = runningTurnOf(tail);
          if (!turn) {
            const headers = { [THREAD_HEADER]: thread.id, [SEQ_HEADER]: String(tail[0]?.seq ?? 0) };
            return new Response(null, { status: 204, headers });
          }
          return stream(services, auth, {
            thread,
            after: endOf(turn.userSeq),
            firstAssistantSeq: turn.first.seq,
            messageId: null,
            knownSeq: null,
            answeredBelow: turn.current.seq,
          });
        });
      },
      routeDoc({
        operationId: "uiChatResume",
        tag: "compat",
        summary: "AI SDK resume: replay the running turn, then follow it (204: none)",
        access: "stream",
        responses: {
          200: { description: "The running turn's UI chunks.", eventStream: UIMessageChunkSchema },
          204: { description: "No turn runs in this chat.", headers: UI_TURN_HEADERS },
        },
        errors: [400, 404],
      }),
    );
}

/**
 * A `Spool-Thread-Id` header names the thread whatever the chat id is (API.md: the header or the
 * protocol's own field); a `thr_` chat id that disagrees with it is a mistake, not a choice.
 */
function chatThreadOf(request: Request, chatId: string): string {
  const header = request.headers.get(THREAD_HEADER);
  if (!header) return chatId;
  if (!header.startsWith("thr_"))
    throw new InvalidRequestError("Spool-Thread-Id must be a thread id (thr_…).", THREAD_HEADER);
  if (chatId.startsWith("thr_") && chatId !== header)
    throw new InvalidRequestError("The chat id and Spool-Thread-Id name different threads.", "id");
  return header;
}

async function send(
  services: Services,
  chats: ChatThreads,
  auth: AuthContext,
  thread: ThreadRecord,
  chat: ChatRequest,
  request: Request,
): Promise<StreamPlan> {
  if (chat.input.kind !== "user") throw new Error("unreachable");
  const header = request.headers.get("idempotency-key");
  const body = { ...chat.body };
  const edits = chat.input.edits;
  if (edits !== null) body.parent_seq = (await editedMessage(services, thread, edits)).parent_seq;
  // useChat gives every message a fresh id: re-posting the same message is a retry, not a turn.
  const derived =
    edits === null
      ? uiRequestId(chat.input.messageId)
      : uiEditRequestId(chat.input.messageId, chat.input.content);
  if (!header && !body.request_id && chat.input.messageId && derived.length <= REQUEST_ID_MAX_CHARS)
    body.request_id = derived;
  const { ticket } = await services.commands.send(auth, thread.id, body, {
    transport: "ui",
    idempotencyKey: header,
  });
  const firstAssistantSeq = ticket.assistantSeq ?? ticket.userSeq + 1;
  // A retry of a turn that went past client tool calls replays it whole, not to its first wait.
  // (`ticket.duplicate` is false for a retry that joins a turn still running, so always look.)
  const tail = await chats.tail(thread.id);
  const answeredBelow = lastAssistantOfTurn(tail, ticket.userSeq) ?? firstAssistantSeq;
  return {
    thread,
    after: turnStart(ticket.userSeq),
    firstAssistantSeq,
    messageId: null,
    knownSeq: null,
    answeredBelow,
  };
}

/** useChat's `regenerate()`: a new answer after the same question, streamed like a send. */
async function regenerate(
  services: Services,
  auth: AuthContext,
  thread: ThreadRecord,
  chat: ChatRequest,
  request: Request,
): Promise<StreamPlan> {
  if (chat.input.kind !== "regenerate") throw new Error("unreachable");
  const target = await regenerateTarget(services, thread, chat.input.messageId);
  const { content: _content, parent_seq: _parent, ...body } = chat.body;
  const { ticket } = await services.branches.regenerate(auth, thread.id, target.seq, body, {
    transport: "ui",
    idempotencyKey: request.headers.get("idempotency-key"),
  });
  const seq = ticket.assistantSeq ?? target.seq;
  return {
    thread,
    after: turnStart(seq),
    firstAssistantSeq: seq,
    messageId: null,
    knownSeq: null,
    answeredBelow: seq,
  };
}

/**
 * `addToolOutput`: the client's answers go to the waiting turn through the seam, and the stream
 * goes on from there. A retry (the answers were taken already) replays the same continuation.
 */
async function continueWithOutputs(
  services: Services,
  chats: ChatThreads,
  auth: AuthContext,
  thread: ThreadRecord,
  chat: ChatRequest,
): Promise<StreamPlan> {
  if (chat.input.kind !== "tool_outputs") throw new Error("unreachable");
  const { outputs, messageId } = chat.input;
  const param = "messages";
  if (outputs.size === 0)
    throw new InvalidRequestError(
      "The last message is an assistant message without tool outputs.",
      param,
    );
  const tail = await chats.tail(thread.id);
  const holder = tail.find(
    (r) =>
      r.role === "assistant" && r.content.some((b) => b.type === "tool_use" && outputs.has(b.id)),
  );
  if (!holder)
    throw new InvalidRequestError("No tool call of this thread matches these outputs.", param);
  const turn = runningTurnOf(tail);
  const userSeq = tail.find((r) => r.role === "user" && r.seq < holder.seq)?.seq ?? 0;
  if (turn && turn.current.seq === holder.seq) {
    const calls = holder.content.flatMap((b) => (b.type === "tool_use" ? [b.id] : []));
    const missing = calls.find((id) => !outputs.has(id));
    if (missing) throw new InvalidRequestError(`Tool call ${missing} has no output yet.`, param);
    for (const id of calls) {
      const output = outputs.get(id)!;
      await submitOnce(services, auth, thread.id, id, output);
    }
  }
  return {
    thread,
    after: endOf(holder.seq - 1),
    firstAssistantSeq: holder.seq,
    messageId,
    knownSeq: holder.seq,
    answeredBelow: lastAssistantOfTurn(tail, userSeq) ?? holder.seq,
  };
}

async function submitOnce(
  services: Services,
  auth: AuthContext,
  threadId: string,
  toolUseId: string,
  output: { content: string; isError: boolean },
): Promise<void> {
  try {
    await services.commands.submitToolResult(auth, threadId, {
      toolUseId,
      content: output.content,
      isError: output.isError,
    });
  } catch (error) {
    // A concurrent retry answered it first: the replay below shows the same continuation.
    if (error instanceof AppError && error.code === "not_found") return;
    throw error;
  }
}

async function stream(services: Services, auth: AuthContext, plan: StreamPlan): Promise<Response> {
  const translator = new UiStreamTranslator({
    threadId: plan.thread.id,
    messageId: plan.messageId,
    knownSeq: plan.knownSeq,
  });
  const sink = new UiStreamSink(translator, plan.firstAssistantSeq, plan.answeredBelow);
  let followed: Awaited<ReturnType<Services["commands"]["follow"]>>;
  try {
    followed = await services.commands.follow(auth, plan.thread.id, plan.after, sink);
  } catch (error) {
    sink.close("reconnect"); // stops its keepalive timer; nobody has read it yet
    throw error;
  }
  const { subscription } = followed;
  const unregister = services.connections.add(
    auth.keyId,
    { revoke: () => subscription.close("revoked") },
    auth.expiresAt ?? null,
    services.tokens.endUserTag(auth),
  );
  sink.onCancel = () => {
    followed.close(); // unfollows and gives the stream slot back (stream caps)
    unregister();
  };
  if (sink.closed) sink.onCancel(); // the turn ended within the replay
  return new Response(sink.stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      "x-vercel-ai-ui-message-stream": "v1",
      [THREAD_HEADER]: plan.thread.id,
      [SEQ_HEADER]: String(plan.firstAssistantSeq),
    },
  });
}

/** Errors after the thread is known carry its id too, so a client can find its thread. */
async function withThread(
  thread: ThreadRecord,
  services: Services,
  run: () => Promise<Response>,
): Promise<Response> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const response = errorResponse(error, services.logger);
    response.headers.set(THREAD_HEADER, thread.id);
    return response;
  }
}

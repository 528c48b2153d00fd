/**
 * `/internal/threads/:id/{send,cancel,tool_result,delete_message,import,head,stop}`: commands
 * other nodes forward to this node because it owns the thread (routing; see
 * actors/thread-router.ts). Authenticated by the cluster's internal secret, not by tenant
 * credentials: the forwarding node already checked those and passes the tenant. Hidden from the OpenAPI document. 421 means "not the owner: route again".
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import type { NewMessage, ThreadRecord } from "../domain/records.ts";
import {
  type ForwardedSend,
  INTERNAL_SECRET_HEADER,
  type ToolResultInput,
} from "../ports/owner-client.ts";
import { AppError, NotFoundError } from "../protocol/errors.ts";
import type { Services } from "./services.ts";

type Body = { tenant_id: string } & Record<string, unknown>;

/** Compares digests, so a header of any length and any bytes is just "no match" (never a throw). */
export function secretMatches(given: string | null, secret: string): boolean {
  if (!given) return false;
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(given), digest(secret));
}

function errorLine(services: Services, error: unknown): string {
  const appError =
    error instanceof AppError
      ? error
      : new AppError("internal_error", "Internal error.", { cause: error });
  if (!appError.expose)
    services.logger.error("forwarded command failed", { error: appError.cause ?? appError });
  const { code, message, status, param, details } = appError;
  return `${JSON.stringify({ error: { code, message: appError.expose ? message : "Internal error.", status, param, details } })}\n`;
}

const NDJSON = { "content-type": "application/x-ndjson" };

async function run(
  services: Services,
  threadId: string,
  body: Body,
  op: (thread: ThreadRecord) => Promise<Response | object>,
): Promise<Response> {
  try {
    const thread = await services.store.getThread(body.tenant_id, threadId);
    if (!thread) throw new NotFoundError("thread");
    const result = await op(thread);
    if (result instanceof Response) return result;
    return new Response(`${JSON.stringify(result)}\n`, { headers: NDJSON });
  } catch (error) {
    // Not the owner, or shutting down / waiting on another holder: the forwarder routes again.
    const reroute =
      error instanceof NotOwner || (error instanceof AppError && error.code === "unavailable");
    if (reroute) return new Response("not the owner", { status: 421 });
    return new Response(errorLine(services, error), { headers: NDJSON });
  }
}

async function owned(services: Services, thread: ThreadRecord) {
  const actor = await services.router.ownedActor(thread);
  if (!actor) throw new NotOwner();
  return actor;
}

class NotOwner extends Error {}

async function sendOp(services: Services, thread: ThreadRecord, body: Body): Promise<Response> {
  const actor = await services.router.ownedActorForSend(thread);
  if (!actor) throw new NotOwner();
  const ticket = await actor.send(body as unknown as ForwardedSend);
  const { userSeq, assistantSeq, duplicate } = ticket;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(
        encoder.encode(`${JSON.stringify({ ticket: { userSeq, assistantSeq, duplicate } })}\n`),
      );
      void ticket.settled.then(() => {
        controller.enqueue(encoder.encode('{"settled":true}\n'));
        controller.close();
      });
    },
  });
  return new Response(stream, { headers: NDJSON });
}

export function internalRoutes(services: Services) {
  const hidden = { detail: { hide: true } };
  return new Elysia({ prefix: "/internal/threads/:id" })
    .onBeforeHandle(({ request }) => {
      if (!secretMatches(request.headers.get(INTERNAL_SECRET_HEADER), services.internalSecret)) {
        return new Response("unauthorized", { status: 401 });
      }
    })
    .post(
      "/send",
      ({ params, body }) =>
        run(services, params.id, body as Body, (t) => sendOp(services, t, body as Body)),
      hidden,
    )
    .post(
      "/cancel",
      ({ params, body }) =>
        run(services, params.id, body as Body, async (thread) => {
          const actor = await owned(services, thread);
          const seq = Number((body as Body).seq);
          if (actor.cancel(seq)) await actor.whenSettled(seq);
          return { ok: true };
        }),
      hidden,
    )
    .post(
      "/tool_result",
      ({ params, body }) =>
        run(services, params.id, body as Body, async (thread) => {
          const input = body as unknown as ToolResultInput;
          (await owned(services, thread)).submitToolResult(
            input.toolUseId,
            input.content,
            input.isError,
          );
          return { ok: true };
        }),
      hidden,
    )
    .post(
      "/delete_message",
      ({ params, body }) =>
        run(services, params.id, body as Body, async (thread) => {
          const seq = Number((body as Body).seq);
          return { message: await (await owned(services, thread)).deleteMessage(seq) };
        }),
      hidden,
    )
    .post(
      "/import",
      ({ params, body }) =>
        run(services, params.id, body as Body, async (thread) => {
          const actor = await services.router.ownedActorForSend(thread);
          if (!actor) throw new NotOwner();
          const messages = (body as unknown as { messages: NewMessage[] }).messages;
          return { seqs: await actor.importMessages(messages) };
        }),
      hidden,
    )
    .post(
      "/head",
      ({ params, body }) =>
        run(services, params.id, body as Body, async (thread) => {
          // Like a send, a switch may be what makes this node take the thread.
          const actor = await services.router.ownedActorForSend(thread);
          if (!actor) throw new NotOwner();
          await actor.switchHead(Number((body as Body).seq));
          return { ok: true };
        }),
      hidden,
    )
    .post(
      "/stop",
      ({ params, body }) =>
        run(services, params.id, body as Body, async (thread) => {
          await services.host.local(thread.id)?.stop("done");
          return { ok: true };
        }),
      hidden,
    );
}

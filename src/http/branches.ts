/**
 * Branch routes (API.md "Branches and message operations"): regenerate an answer, fork a thread
 * at a message, import historical messages. Switching branches is `PATCH /v1/threads/:id`
 * (threads.ts); the active-branch history is `GET …/messages` (history-page.ts).
 */
import { Elysia } from "elysia";
import { toWireThread } from "../domain/records.ts";
import { StreamEventSchema } from "../protocol/events.ts";
import { ThreadSchema } from "../protocol/objects.ts";
import { ForkBodySchema, ImportBodySchema, RegenerateBodySchema } from "../protocol/requests.ts";
import { ImportResultSchema, RegenerateResultSchema } from "../protocol/resources.ts";
import { finalAssistantSeq } from "../use-cases/turn-result.ts";
import { authenticate } from "./auth.ts";
import { messageOrThrow } from "./messages.ts";
import { parseSeq } from "./query.ts";
import { holdOpen } from "./request-context.ts";
import { IDEMPOTENCY_KEY, routeDoc } from "./route-docs.ts";
import type { Services } from "./services.ts";
import { followSend, streamResponse, turnStart } from "./turn-stream.ts";

export function branchRoutes(services: Services) {
  return new Elysia({ prefix: "/v1/threads/:id" })
    .post(
      "/messages/:seq/regenerate",
      async ({ request, params, body }) => {
        const auth = await authenticate(services, request, false, "send");
        const { gateway, ticket, thread, slot } = await services.branches.regenerate(
          auth,
          params.id,
          parseSeq(params.seq),
          body,
          {
            transport: "rest",
            idempotencyKey: request.headers.get("idempotency-key"),
            opensStream: body.stream === true,
          },
        );
        const assistantSeq = ticket.assistantSeq!;
        if (body.stream) {
          const open = followSend(gateway, turnStart(assistantSeq), slot);
          return streamResponse(services, auth, open, assistantSeq);
        }
        slot?.release();
        holdOpen(request);
        await ticket.settled;
        const answerSeq = await finalAssistantSeq(
          (seq) => services.history.message(thread.id, seq),
          assistantSeq,
        );
        return { assistant_message: await messageOrThrow(services, thread.id, answerSeq) };
      },
      {
        body: RegenerateBodySchema,
        ...routeDoc({
          operationId: "regenerateMessage",
          tag: "messages",
          summary: "Answer again: a new assistant message after the same parent (a new branch)",
          description:
            "Runs the send's turn again from the parent of assistant message `seq`; the new answer " +
            "becomes the head. `model` defaults to the regenerated message's. `stream: true` " +
            "streams the new turn's events, starting with its `message.created`.",
          access: "any_key",
          responses: {
            200: {
              description: "The new answer (JSON), or its live event stream (`stream: true`).",
              json: RegenerateResultSchema,
              eventStream: StreamEventSchema,
            },
          },
          errors: [400, 404, 409, 413, 422],
          parameters: [IDEMPOTENCY_KEY],
        }),
      },
    )
    .post(
      "/fork",
      async ({ request, params, body, set }) => {
        const auth = await authenticate(services, request);
        const fork = await services.branches.fork(auth, params.id, body);
        set.status = 201;
        return toWireThread(
          (await services.store.getThread(fork.tenant_id, fork.id)) ?? fork,
          (await services.checkpoint.lastSeq(fork.id)) ?? 0,
        );
      },
      {
        body: ForkBodySchema,
        ...routeDoc({
          operationId: "forkThread",
          tag: "threads",
          summary: "A new thread (same end user) holding the branch up to `at_seq`",
          access: "any_key",
          responses: { 201: ThreadSchema },
          errors: [400, 404, 409, 413, 422],
        }),
      },
    )
    .post(
      "/messages/import",
      async ({ request, params, body, set }) => {
        const auth = await authenticate(services, request);
        const seqs = await services.branches.importMessages(auth, params.id, body.messages);
        set.status = 201;
        return { object: "import" as const, thread_id: params.id, seqs };
      },
      {
        body: ImportBodySchema,
        ...routeDoc({
          operationId: "importMessages",
          tag: "messages",
          summary: "Append historical messages of any role (secret key, idle thread)",
          description:
            "Up to 1,000 messages per call, appended in order after the head (or after their " +
            "`parent_seq`), keeping `created_at`, `model` and `usage`; persisted and searchable.",
          access: "secret_key",
          responses: { 201: ImportResultSchema },
          errors: [400, 401, 404, 409, 413, 422],
        }),
      },
    );
}

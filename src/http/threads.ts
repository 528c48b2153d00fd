/** `/v1/threads`: create, list (newest activity first, keyset cursor), read, update, delete. */
import { Elysia } from "elysia";
import { intField, stringField } from "../domain/cursor.ts";
import { newId } from "../domain/ids.ts";
import type { ThreadRecord } from "../domain/records.ts";
import { toWireThread } from "../domain/records.ts";
import { ThreadSchema } from "../protocol/objects.ts";
import {
  CreateThreadBodySchema,
  HISTORY_LIMIT_DEFAULT,
  HISTORY_LIMIT_MAX,
  ListThreadsQuerySchema,
  UpdateThreadBodySchema,
} from "../protocol/requests.ts";
import { DeletedThreadSchema, ThreadListSchema } from "../protocol/resources.ts";
import { authenticate, effectiveEndUser, loadThread } from "./auth.ts";
import { parseLimit } from "./query.ts";
import { routeDoc } from "./route-docs.ts";
import type { Services } from "./services.ts";

async function wireThread(services: Services, thread: ThreadRecord) {
  return toWireThread(thread, (await services.checkpoint.lastSeq(thread.id)) ?? 0);
}

export function threadRoutes(services: Services) {
  return new Elysia({ prefix: "/v1/threads" })
    .post(
      "",
      async ({ request, body, set }) => {
        const auth = await authenticate(services, request);
        const now = Date.now();
        const thread: ThreadRecord = {
          id: newId("thr"),
          tenant_id: auth.tenantId,
          end_user_id: effectiveEndUser(auth, body.end_user_id) ?? null,
          metadata: body.metadata ?? {},
          created_at: now,
          last_active_at: now,
          last_seq: 0,
          head_seq: null,
          head_as_of: 0,
        };
        await services.store.createThread(thread);
        set.status = 201;
        return toWireThread(thread);
      },
      {
        body: CreateThreadBodySchema,
        ...routeDoc({
          operationId: "createThread",
          tag: "threads",
          summary: "Create a thread",
          access: "any_key",
          responses: { 201: ThreadSchema },
          errors: [400, 413, 422],
        }),
      },
    )
    .get(
      "",
      async ({ request, query }) => {
        const auth = await authenticate(services, request);
        const endUserId = effectiveEndUser(auth, query.end_user_id);
        const limit = parseLimit(query.limit, HISTORY_LIMIT_DEFAULT, HISTORY_LIMIT_MAX);
        const scope = { kind: "threads", tenantId: auth.tenantId, scope: endUserId ?? "" };
        const position = query.cursor ? services.cursors.decode(scope, query.cursor) : null;
        const rows = await services.store.listThreads({
          tenantId: auth.tenantId,
          limit: limit + 1,
          ...(endUserId === undefined ? {} : { endUserId }),
          ...(position
            ? { after: { lastActiveAt: intField(position, "a"), id: stringField(position, "i") } }
            : {}),
        });
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        const hasMore = rows.length > limit;
        return {
          object: "list" as const,
          data: await Promise.all(page.map((t) => wireThread(services, t))),
          has_more: hasMore,
          next_cursor:
            hasMore && last
              ? services.cursors.encode(scope, { a: last.last_active_at, i: last.id })
              : null,
        };
      },
      {
        query: ListThreadsQuerySchema,
        ...routeDoc({
          operationId: "listThreads",
          tag: "threads",
          summary: "List threads, newest activity first",
          access: "any_key",
          responses: { 200: ThreadListSchema },
          errors: [400],
        }),
      },
    )
    .get(
      "/:id",
      async ({ request, params }) => {
        const auth = await authenticate(services, request);
        return wireThread(services, await loadThread(services, auth, params.id));
      },
      routeDoc({
        operationId: "getThread",
        tag: "threads",
        summary: "Read a thread",
        access: "any_key",
        responses: { 200: ThreadSchema },
        errors: [404],
      }),
    )
    .patch(
      "/:id",
      async ({ request, params, body }) => {
        const auth = await authenticate(services, request);
        await loadThread(services, auth, params.id);
        // The switch first: a refused one (409 while a turn runs, 400) changes nothing.
        if (body.head_seq !== undefined) {
          await services.branches.switchHead(auth, params.id, body.head_seq);
        }
        if (body.metadata !== undefined) {
          await services.store.updateThreadMetadata(auth.tenantId, params.id, body.metadata);
        }
        return wireThread(services, await loadThread(services, auth, params.id));
      },
      {
        body: UpdateThreadBodySchema,
        ...routeDoc({
          operationId: "updateThread",
          tag: "threads",
          summary: "Replace a thread's metadata, or switch its active branch (`head_seq`)",
          access: "any_key",
          responses: { 200: ThreadSchema },
          errors: [400, 404, 409, 413, 422],
        }),
      },
    )
    .delete(
      "/:id",
      async ({ request, params }) => {
        const auth = await authenticate(services, request);
        const thread = await services.commands.deleteThread(auth, params.id);
        return { id: thread.id, object: "thread", deleted: true };
      },
      routeDoc({
        operationId: "deleteThread",
        tag: "threads",
        summary: "Delete a thread with its messages and search entries",
        access: "any_key",
        responses: { 200: DeletedThreadSchema },
        errors: [404],
      }),
    );
}

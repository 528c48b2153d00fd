/**
 * `GET /v1/threads/:id/export`: the whole thread as NDJSON (`application/x-ndjson`), the thread
 * object on the first line, then every message in seq order (every branch, tool messages and
 * tool blocks included, compaction summaries and deleted ones as they are), in the wire shape of
 * `GET …/messages/:seq`.
 * Streamed a page at a time as the client reads (pull), so a 6,000-message thread costs one page
 * of messages in memory (plus the tree's links, a few numbers a message, read once for
 * `children`), and a client that stops reading stops the reads.
 */
import { Elysia } from "elysia";
import { childrenIndex } from "../domain/branches.ts";
import { toWireMessage, toWireThread } from "../domain/records.ts";
import { authenticate, loadThread } from "./auth.ts";
import { routeDoc } from "./route-docs.ts";
import type { Services } from "./services.ts";

/** 500 messages a page: the history reader's full-read page, ~1 MB of JSON at most per pull. */
export const EXPORT_PAGE_MESSAGES = 500;

export function exportRoutes(services: Services) {
  return new Elysia({ prefix: "/v1/threads" }).get(
    "/:id/export",
    async ({ request, params }) => {
      const auth = await authenticate(services, request);
      const thread = await loadThread(services, auth, params.id);
      const lastSeq = (await services.checkpoint.lastSeq(thread.id)) ?? 0;
      const head = `${JSON.stringify(toWireThread(thread, lastSeq))}\n`;
      return new Response(exportStream(services, thread.id, head), {
        headers: {
          "content-type": "application/x-ndjson",
          "content-disposition": `attachment; filename="${thread.id}.ndjson"`,
        },
      });
    },
    routeDoc({
      operationId: "exportThread",
      tag: "threads",
      summary: "Export a thread as NDJSON: the thread, then every message in seq order",
      description:
        "`application/x-ndjson`: line 1 is the Thread object, each later line one Message (the " +
        "shape of `GET …/messages/:seq`), every message of every branch in seq order, tool " +
        "messages included, deleted ones with their empty content. Streamed page by page.",
      access: "any_key",
      responses: {
        200: {
          description: "The thread and its messages, one JSON object a line.",
          text: "application/x-ndjson",
        },
      },
      errors: [404],
    }),
  );
}

function exportStream(services: Services, threadId: string, head: string): ReadableStream {
  const encoder = new TextEncoder();
  let afterSeq: number | undefined;
  let children: Map<number, number[]> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!children) {
        children = childrenIndex(await services.history.links(threadId));
        controller.enqueue(encoder.encode(head));
        return;
      }
      const tree = children;
      const { records, hasMore } = await services.history.page({
        threadId,
        limit: EXPORT_PAGE_MESSAGES,
        order: "asc",
        includeTools: true,
        // Every seq, compaction summaries too: an export has no gap in the thread's order.
        includeSummaries: true,
        ...(afterSeq === undefined ? {} : { afterSeq }),
      });
      const lines = records
        .map((r) => `${JSON.stringify(toWireMessage(r, tree.get(r.seq) ?? []))}\n`)
        .join("");
      if (lines) controller.enqueue(encoder.encode(lines));
      const last = records[records.length - 1];
      if (!hasMore || !last) controller.close();
      else afterSeq = last.seq;
    },
  });
}

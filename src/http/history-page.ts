/**
 * `GET /v1/threads/:id/messages` (the paged JSON view): the active branch by default, every
 * message with `branch=all`; each message carries `children` (API.md "Branches"). Keyset
 * cursors name a seq and the view they came from, so a cursor of one view is refused by another.
 */
import type { Static } from "@sinclair/typebox";
import {
  ancestry,
  childrenIndex,
  headOf,
  isOnChain,
  type MessageLink,
  parentIndex,
  storedSwitch,
} from "../domain/branches.ts";
import { hideToolBlocks } from "../domain/content.ts";
import { intField } from "../domain/cursor.ts";
import type { MessageRecord, ThreadRecord } from "../domain/records.ts";
import { toWireMessage } from "../domain/records.ts";
import { InvalidRequestError } from "../protocol/errors.ts";
import type { List, Message } from "../protocol/objects.ts";
import {
  HISTORY_LIMIT_DEFAULT,
  HISTORY_LIMIT_MAX,
  type HistoryQuerySchema,
} from "../protocol/requests.ts";
import { parseInclude, parseLimit, parseOrder } from "./query.ts";
import type { Services } from "./services.ts";

type HistoryQuery = Static<typeof HistoryQuerySchema>;

export function parseBranch(raw: string | undefined): "active" | "all" {
  if (raw === undefined || raw === "" || raw === "active") return "active";
  if (raw === "all") return "all";
  throw new InvalidRequestError('branch is "active" or "all".', "branch");
}

export async function historyPage(
  services: Services,
  tenantId: string,
  thread: ThreadRecord,
  query: HistoryQuery,
): Promise<List<Message>> {
  const limit = parseLimit(query.limit, HISTORY_LIMIT_DEFAULT, HISTORY_LIMIT_MAX);
  const order = parseOrder(query.order);
  const include = parseInclude(query.include, ["tools", "summaries"] as const);
  const includeTools = include.has("tools");
  const includeSummaries = include.has("summaries");
  const branch = parseBranch(query.branch);
  const scope = {
    kind: `messages:${order}:${includeTools ? "tools" : ""}${includeSummaries ? ":summaries" : ""}:${branch}`,
    tenantId,
    scope: thread.id,
  };
  const afterSeq = query.cursor
    ? intField(services.cursors.decode(scope, query.cursor), "s")
    : undefined;
  const pageQuery = {
    threadId: thread.id,
    limit,
    order,
    includeTools,
    includeSummaries,
    ...(afterSeq === undefined ? {} : { afterSeq }),
  };
  const links = await services.history.links(thread.id);
  const visible = (l: MessageLink) =>
    (includeTools || l.role !== "tool") && (includeSummaries || l.role !== "summary");
  const { records, hasMore } =
    branch === "all"
      ? await services.history.page(pageQuery)
      : await services.history.pageOf(
          pageQuery,
          activeSeqs(thread, links).filter((s) => visible(linkAt(links, s))),
        );
  const children = childrenIndex(links);
  const data = records.map((r) => wireWithChildren(r, children, includeTools));
  const last = records[records.length - 1];
  return {
    object: "list",
    data,
    has_more: hasMore,
    next_cursor: hasMore && last ? services.cursors.encode(scope, { s: last.seq }) : null,
  };
}

/** The seqs of the active branch, root first, with the summaries of its messages. */
function activeSeqs(thread: ThreadRecord, links: MessageLink[]): number[] {
  const lastSeq = Math.max(links.at(-1)?.seq ?? 0, thread.last_seq);
  const chain = ancestry(parentIndex(links), headOf(lastSeq, storedSwitch(thread)));
  const onBranch = new Set(chain);
  return links
    .filter(
      (l) =>
        onBranch.has(l.seq) ||
        (!isOnChain(l) && l.parent_seq !== null && onBranch.has(l.parent_seq)),
    )
    .map((l) => l.seq);
}

function linkAt(links: MessageLink[], seq: number): MessageLink {
  return links[seq - 1]?.seq === seq ? links[seq - 1]! : links.find((l) => l.seq === seq)!;
}

function wireWithChildren(
  record: MessageRecord,
  children: Map<number, number[]>,
  includeTools: boolean,
): Message {
  const wire = toWireMessage(record, children.get(record.seq) ?? []);
  return includeTools ? wire : hideToolBlocks(wire);
}

/** One message with its `children` (`GET …/messages/:seq`). */
export async function messageWithChildren(
  services: Services,
  threadId: string,
  seq: number,
): Promise<Message | null> {
  const record = await services.history.message(threadId, seq);
  if (!record) return null;
  const links = await services.history.links(threadId);
  return toWireMessage(record, childrenIndex(links).get(seq) ?? []);
}

/**
 * `GET /v1/threads/:id/messages?format=ui`: the history route's AI SDK view (ui-history.ts maps
 * it). The active branch as one `UIMessage[]` (what `useChat({messages})` takes), so the paging
 * parameters of the Spool view are refused with it rather than ignored.
 */
import { branchOf, headOf, storedSwitch } from "../../../domain/branches.ts";
import { type ThreadRecord, toWireMessage } from "../../../domain/records.ts";
import { InvalidRequestError } from "../../../protocol/errors.ts";
import type { Services } from "../../services.ts";
import { SEQ_HEADER, THREAD_HEADER } from "./ui-chat-routes.ts";
import { toUiMessages } from "./ui-history.ts";

const PAGING = ["limit", "cursor", "order", "include"] as const;

export async function uiHistoryResponse(
  services: Services,
  thread: ThreadRecord,
  query: Record<string, string | undefined>,
): Promise<Response> {
  if (query.format !== "ui")
    throw new InvalidRequestError(`Unknown format "${query.format}" (only "ui").`, "format");
  const paging = PAGING.find((name) => query[name] !== undefined);
  if (paging) throw new InvalidRequestError(`${paging} cannot be combined with format=ui.`, paging);
  const records = await services.history.all(thread.id);
  // The chat view is the active branch, as useChat shows one conversation.
  const lastSeq = Math.max(records.at(-1)?.seq ?? 0, thread.last_seq);
  const branch = branchOf(records, headOf(lastSeq, storedSwitch(thread)));
  const messages = branch.map((r) => toWireMessage(r));
  return new Response(JSON.stringify(toUiMessages(thread.id, messages)), {
    headers: {
      "content-type": "application/json",
      [THREAD_HEADER]: thread.id,
      [SEQ_HEADER]: String(records.at(-1)?.seq ?? 0),
    },
  });
}

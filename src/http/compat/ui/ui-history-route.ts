/**
 * `GET /v1/threads/:id/messages?format=ui`: the history route's AI SDK view (ui-history.ts maps
 * it). The whole thread as one `UIMessage[]` (what `useChat({messages})` takes), so the paging
 * parameters of the Spool view are refused with it rather than ignored.
 */
import type { ThreadRecord } from "../../../domain/records.ts";
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
  return new Response(JSON.stringify(toUiMessages(thread.id, records)), {
    headers: {
      "content-type": "application/json",
      [THREAD_HEADER]: thread.id,
      [SEQ_HEADER]: String(records.at(-1)?.seq ?? 0),
    },
  });
}

/**
 * `/compat/openai/v1/conversations`: a conversation is a Spool thread (its id is the thread id,
 * usable as `conversation` in a response and as `Spool-Thread-Id`). Items are the thread's
 * messages as Responses items: messages (input_text / output_text), function calls and their
 * outputs; thinking is left out. Creating with initial `items` is not supported (400).
 */
import { Value } from "@sinclair/typebox/value";
import type { MessageRecord, ThreadRecord } from "../../../domain/records.ts";
import { InvalidRequestError } from "../../../protocol/errors.ts";
import { MetadataSchema } from "../../../protocol/objects.ts";
import type { Services } from "../../services.ts";
import { checkThreadId, rejectUnsupported } from "../shared/compat-request.ts";
import { compatAuth, compatBody, jsonResponse } from "../shared/compat-route.ts";
import { objectAt } from "../shared/fields.ts";

const ITEMS_LIMIT_DEFAULT = 20;
const ITEMS_LIMIT_MAX = 100;

function conversationObject(thread: ThreadRecord) {
  return {
    id: thread.id,
    object: "conversation",
    created_at: Math.floor(thread.created_at / 1000),
    metadata: thread.metadata,
  };
}

export async function createConversation(services: Services, request: Request) {
  const auth = await compatAuth(services, request);
  const body = await compatBody(services, request);
  rejectUnsupported(body, ["metadata", "items"]);
  if (Array.isArray(body.items) && body.items.length > 0)
    throw new InvalidRequestError(
      "Creating a conversation with items is not supported; send them as the first response's input.",
      "items",
    );
  const metadata = body.metadata == null ? {} : objectAt(body.metadata, "metadata");
  if (!Value.Check(MetadataSchema, metadata))
    throw new InvalidRequestError(
      "metadata: at most 16 string keys (64 chars) with string values (512 chars).",
      "metadata",
    );
  const scope = services.compat.resolution.scope(auth, null);
  const thread = await services.compat.resolution.create(scope, metadata as Record<string, string>);
  return jsonResponse(conversationObject(thread));
}

export async function retrieveConversation(services: Services, request: Request, id: string) {
  const auth = await compatAuth(services, request);
  return jsonResponse(
    conversationObject(await services.commands.thread(auth, checkThreadId(id, "conversation_id"))),
  );
}

function itemsOf(record: MessageRecord): Record<string, unknown>[] {
  const base = record.id.replace(/^msg_/, "");
  const out: Record<string, unknown>[] = [];
  const text = record.content.flatMap((b) =>
    b.type === "text"
      ? [{ type: record.role === "assistant" ? "output_text" : "input_text", text: b.text }]
      : [],
  );
  if (text.length > 0 && record.role !== "tool")
    out.push({
      id: `msg_${base}`,
      type: "message",
      status: "completed",
      role: record.role,
      content: text,
    });
  record.content.forEach((b, i) => {
    if (b.type === "tool_use")
      out.push({
        id: `fc_${base}_${i}`,
        type: "function_call",
        status: "completed",
        call_id: b.id,
        name: b.name,
        arguments: JSON.stringify(b.input),
      });
    else if (b.type === "tool_result") {
      const output =
        typeof b.content === "string"
          ? b.content
          : b.content.map((p) => (p.type === "text" ? p.text : "")).join("");
      out.push({
        id: `fco_${base}_${i}`,
        type: "function_call_output",
        status: "completed",
        call_id: b.tool_use_id,
        output,
      });
    }
  });
  return out;
}

export async function listItems(services: Services, request: Request, id: string) {
  const auth = await compatAuth(services, request);
  const thread = await services.commands.thread(auth, checkThreadId(id, "conversation_id"));
  const query = Object.fromEntries(new URL(request.url).searchParams);
  rejectUnsupported(query, ["limit", "order", "after"]);
  const limit = query.limit === undefined ? ITEMS_LIMIT_DEFAULT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > ITEMS_LIMIT_MAX)
    throw new InvalidRequestError(
      `limit must be a whole number from 1 to ${ITEMS_LIMIT_MAX}.`,
      "limit",
    );
  const order = query.order ?? "desc";
  if (order !== "asc" && order !== "desc")
    throw new InvalidRequestError("order must be asc or desc.", "order");
  const records = (await services.history.all(thread.id)).filter((r) => r.status !== "in_progress");
  const items = records.flatMap(itemsOf);
  if (order === "desc") items.reverse();
  let start = 0;
  if (query.after !== undefined) {
    start = items.findIndex((item) => item.id === query.after) + 1;
    if (start === 0)
      throw new InvalidRequestError("after is not an item of this conversation.", "after");
  }
  const data = items.slice(start, start + limit);
  return jsonResponse({
    object: "list",
    data,
    first_id: (data[0]?.id as string | undefined) ?? null,
    last_id: (data[data.length - 1]?.id as string | undefined) ?? null,
    has_more: start + limit < items.length,
  });
}

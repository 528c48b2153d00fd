/**
 * useChat's branch operations on `POST /v1/ui/chat`: `regenerate()` (trigger
 * `regenerate-message`) and an edit (`sendMessage({text, messageId})` of a user message). Both
 * name messages by their UI ids, which are Spool's message ids (history with `format=ui`, an
 * assistant turn's stream) or, for a user message sent live, the client's id that the send
 * derived its request id from (`ui_<id>`). They run through the one send path: a regenerate is
 * `services.branches.regenerate`, an edit is a send with `parent_seq`.
 */
import { createHash } from "node:crypto";
import { branchOf, headOf, storedSwitch } from "../../../domain/branches.ts";
import type { MessageRecord, ThreadRecord } from "../../../domain/records.ts";
import type { Block } from "../../../protocol/blocks.ts";
import { InvalidRequestError } from "../../../protocol/errors.ts";
import type { Services } from "../../services.ts";

/** The request id useChat's send derives from its message id (a re-post is a retry). */
export function uiRequestId(messageId: string): string {
  return `ui_${messageId}`;
}

/** An edit keeps the message's UI id: its request id also names the new content. */
export function uiEditRequestId(messageId: string, content: Block[]): string {
  const digest = createHash("sha256").update(JSON.stringify(content)).digest("base64url");
  return `ui_${messageId}_edit_${digest.slice(0, 16)}`;
}

async function messageOfUiId(
  services: Services,
  threadId: string,
  uiId: string,
): Promise<MessageRecord | null> {
  const all = await services.history.all(threadId);
  const live = uiRequestId(uiId);
  return all.find((r) => r.id === uiId || (r.role === "user" && r.request_id === live)) ?? null;
}

/** The user message an edit replaces; its parent is where the new branch starts. */
export async function editedMessage(
  services: Services,
  thread: ThreadRecord,
  uiId: string,
): Promise<MessageRecord> {
  const record = await messageOfUiId(services, thread.id, uiId);
  if (record?.role !== "user")
    throw new InvalidRequestError("messageId names no user message of this chat.", "messageId");
  return record;
}

/** The assistant message a regenerate answers again: the one named, or the last turn's first. */
export async function regenerateTarget(
  services: Services,
  thread: ThreadRecord,
  uiId: string | null,
): Promise<MessageRecord> {
  if (uiId !== null) {
    const record = await messageOfUiId(services, thread.id, uiId);
    if (record?.role !== "assistant")
      throw new InvalidRequestError(
        "messageId names no assistant message of this chat.",
        "messageId",
      );
    return record;
  }
  const all = await services.history.all(thread.id);
  const lastSeq = Math.max(all.at(-1)?.seq ?? 0, thread.last_seq);
  const branch = branchOf(all, headOf(lastSeq, storedSwitch(thread)));
  const lastUser = branch.findLastIndex((r) => r.role === "user");
  const answer = branch.slice(lastUser + 1).find((r) => r.role === "assistant");
  if (!answer) throw new InvalidRequestError("The chat has no answer to regenerate.", "messageId");
  return answer;
}

/**
 * Turns a stored message into search documents, one per searchable block (ports/search.ts):
 * text blocks as they are, tool_use as its name plus the values of its input, tool_result as its
 * text. Thinking and images are not indexed. Used by the embed-message worker before it embeds.
 * The shapes are declared here structurally (domain imports nothing but protocol types); they are
 * assignable to the port's `SearchDocument` and accept a `MessageRecord`.
 */
import type { Block } from "../protocol/blocks.ts";

export type SearchRole = "user" | "assistant" | "tool" | "summary";
export type SearchableBlockType = "text" | "tool_use" | "tool_result";

/** What of a message record search needs (a `MessageRecord` fits). */
export interface IndexableMessage {
  tenant_id: string;
  thread_id: string;
  seq: number;
  role: SearchRole;
  content: Block[];
  model: string | null;
  end_user_id: string | null;
  /** ISO-8601. */
  created_at: string;
}

export interface SearchDocumentDraft {
  id: string;
  tenant_id: string;
  end_user_id: string | null;
  thread_id: string;
  seq: number;
  block_index: number;
  role: SearchRole;
  block_type: SearchableBlockType;
  model: string | null;
  text: string;
  created_at: number;
  /** Filled in by the embedder step; null until then. */
  vector: Float32Array | null;
}

/**
 * 32 Ki characters of a block are indexed (FTS, embedding, snippets); the rest of a longer block is
 * not searchable. Bounds the per-message work of the embed job and of every search hit: a 4 MB
 * message once stalled the server for seconds per search. Meilisearch itself only ranks the first
 * 65,535 words of an attribute, so the cap changes little in practice (docs/security.md).
 */
export const MAX_INDEXED_CHARS = 32 * 1024;
/**
 * 8 Ki characters of a block are embedded: a vector sums up the head of a text as well as all of
 * it, and the built-in embedder runs on the server's event loop (~10 ms for 8 Ki on this machine).
 */
export const MAX_EMBEDDED_CHARS = 8 * 1024;

/** The first `max` chars of `text`, never cutting a surrogate pair in half. */
export function headChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** `<thread_id>:<seq>:<block_index>`, the port's document id. */
export function searchDocumentId(threadId: string, seq: number, blockIndex: number): string {
  return `${threadId}:${seq}:${blockIndex}`;
}

/** String, number and boolean leaves of a JSON value, depth first. */
function jsonLeaves(value: unknown, out: string[]): string[] {
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number" || typeof value === "boolean") out.push(String(value));
  else if (Array.isArray(value)) for (const item of value) jsonLeaves(item, out);
  else if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) jsonLeaves(item, out);
  }
  return out;
}

function blockText(block: Block): { type: SearchableBlockType; text: string } | null {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "tool_use":
      return { type: "tool_use", text: [block.name, ...jsonLeaves(block.input, [])].join(" ") };
    case "tool_result": {
      const text =
        typeof block.content === "string"
          ? block.content
          : block.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n");
      return { type: "tool_result", text };
    }
    case "image":
    case "thinking":
      return null;
  }
}

/** One document per searchable, non-blank block, in block order; vectors left null. */
export function messageToSearchDocuments(message: IndexableMessage): SearchDocumentDraft[] {
  const createdAt = Date.parse(message.created_at);
  if (Number.isNaN(createdAt))
    throw new Error(`message created_at is not a date: ${message.created_at}`);
  const documents: SearchDocumentDraft[] = [];
  message.content.forEach((block, blockIndex) => {
    const searchable = blockText(block);
    if (!searchable || searchable.text.trim() === "") return;
    documents.push({
      id: searchDocumentId(message.thread_id, message.seq, blockIndex),
      tenant_id: message.tenant_id,
      end_user_id: message.end_user_id,
      thread_id: message.thread_id,
      seq: message.seq,
      block_index: blockIndex,
      role: message.role,
      block_type: searchable.type,
      model: message.model,
      text: headChars(searchable.text, MAX_INDEXED_CHARS),
      created_at: createdAt,
      vector: null,
    });
  });
  return documents;
}

/**
 * Response ids name an assistant message (thread, seq) and are unforgeable across tenants: the
 * pair is signed with the tenant in the MAC (domain/cursor.ts), so another tenant's id, a tampered
 * one or garbage all fail to verify and are answered 404, exactly as a missing response.
 */
import { type CursorCodec, intField, stringField } from "../../../domain/cursor.ts";
import { NotFoundError } from "../../../protocol/errors.ts";

const PREFIX = "resp_";

const scopeOf = (tenantId: string) => ({ kind: "openai.response", tenantId, scope: "" });

export function encodeResponseId(
  codec: CursorCodec,
  tenantId: string,
  threadId: string,
  seq: number,
) {
  return `${PREFIX}${codec.encode(scopeOf(tenantId), { t: threadId, s: seq })}`;
}

export function decodeResponseId(
  codec: CursorCodec,
  tenantId: string,
  id: string,
): { threadId: string; seq: number } {
  if (!id.startsWith(PREFIX)) throw new NotFoundError("response");
  try {
    const position = codec.decode(scopeOf(tenantId), id.slice(PREFIX.length));
    return { threadId: stringField(position, "t"), seq: intField(position, "s") };
  } catch {
    throw new NotFoundError("response");
  }
}

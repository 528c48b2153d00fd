/**
 * Opaque, tamper-evident list cursors: base64url(JSON payload) + "." + truncated HMAC-SHA256.
 * A cursor is bound to its list (kind), its scope (tenant, and thread or end user) and its order,
 * so a cursor from another list, tenant or order fails to verify: `400 invalid_cursor`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { InvalidCursorError } from "../protocol/errors.ts";

/** 16 bytes of MAC: forging one needs 2^128 tries. */
const MAC_BYTES = 16;

export interface CursorScope {
  kind: string;
  tenantId: string;
  /** Thread id, end user id, or "" — whatever the list is scoped to. */
  scope: string;
}

export class CursorCodec {
  readonly #key: Buffer;
  constructor(secret: string) {
    this.#key = Buffer.from(secret, "utf8");
  }

  encode(scope: CursorScope, position: Record<string, string | number>): string {
    const payload = Buffer.from(JSON.stringify({ ...position, _k: scope.kind })).toString(
      "base64url",
    );
    return `${payload}.${this.#mac(scope, payload).toString("base64url")}`;
  }

  /** Returns the position, or throws InvalidCursorError for anything that does not verify. */
  decode(scope: CursorScope, cursor: string): Record<string, unknown> {
    const dot = cursor.indexOf(".");
    if (dot <= 0 || cursor.length > 1024) throw new InvalidCursorError();
    const payload = cursor.slice(0, dot);
    const given = Buffer.from(cursor.slice(dot + 1), "base64url");
    const expected = this.#mac(scope, payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidCursorError();
    }
    try {
      const position = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      if (position === null || typeof position !== "object" || position._k !== scope.kind) {
        throw new InvalidCursorError();
      }
      return position as Record<string, unknown>;
    } catch {
      throw new InvalidCursorError();
    }
  }

  #mac(scope: CursorScope, payload: string): Buffer {
    return createHmac("sha256", this.#key)
      .update(`${scope.kind}\n${scope.tenantId}\n${scope.scope}\n${payload}`)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}

export function intField(position: Record<string, unknown>, name: string): number {
  const value = position[name];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new InvalidCursorError();
  return value;
}

export function stringField(position: Record<string, unknown>, name: string): string {
  const value = position[name];
  if (typeof value !== "string") throw new InvalidCursorError();
  return value;
}

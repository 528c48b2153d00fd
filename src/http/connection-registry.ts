/**
 * Open streaming connections (SSE and WebSocket) by the secret key that authorized them, so that
 * revoking a key closes its sockets at once (API.md), here and, through the revocation channel,
 * on every other node. A connection opened with an end-user token also ends when the token
 * expires (`expiresAt`): one timer per connection, cleared when it closes first. Connections of an
 * end-user token are also indexed by their end user's tag (TokenService.endUserTag), so erasing
 * that end user closes them here and, through the same channel, on every node.
 */
export interface Revocable {
  revoke(reason: "revoked" | "expired"): void;
}

/** setTimeout's ceiling (~24.8 days); tokens live at most 7 days, so this never truncates. */
const MAX_TIMER_MS = 2_147_483_647;

/** What the revocation channel carries for an erased end user (key ids are `key_…`). */
export const END_USER_REVOCATION_PREFIX = "end_user:";

export class ConnectionRegistry {
  readonly #byKey = new Map<string, Set<Revocable>>();
  readonly #byEndUser = new Map<string, Set<Revocable>>();

  get size(): number {
    let n = 0;
    for (const set of this.#byKey.values()) n += set.size;
    return n;
  }

  add(
    keyId: string,
    connection: Revocable,
    expiresAt: number | null = null,
    endUserTag: string | null = null,
  ): () => void {
    const set = joined(this.#byKey, keyId, connection);
    const users = endUserTag === null ? null : joined(this.#byEndUser, endUserTag, connection);
    const timer =
      expiresAt === null
        ? null
        : setTimeout(
            () => connection.revoke("expired"),
            Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - Date.now())),
          );
    return () => {
      if (timer !== null) clearTimeout(timer);
      set.delete(connection);
      if (set.size === 0 && this.#byKey.get(keyId) === set) this.#byKey.delete(keyId);
      if (users && endUserTag !== null) {
        users.delete(connection);
        if (users.size === 0 && this.#byEndUser.get(endUserTag) === users)
          this.#byEndUser.delete(endUserTag);
      }
    };
  }

  /** Closes every connection of an erased end user (their tag); how many. */
  revokeEndUser(endUserTag: string): number {
    const set = this.#byEndUser.get(endUserTag);
    if (!set) return 0;
    this.#byEndUser.delete(endUserTag);
    for (const connection of set) connection.revoke("revoked");
    return set.size;
  }

  /** A message of the revocation channel: a key id, or an erased end user's tag. */
  revoke(id: string): number {
    return id.startsWith(END_USER_REVOCATION_PREFIX)
      ? this.revokeEndUser(id.slice(END_USER_REVOCATION_PREFIX.length))
      : this.revokeKey(id);
  }

  revokeKey(keyId: string): number {
    const set = this.#byKey.get(keyId);
    if (!set) return 0;
    this.#byKey.delete(keyId);
    for (const connection of set) connection.revoke("revoked");
    return set.size;
  }
}

function joined(
  index: Map<string, Set<Revocable>>,
  name: string,
  connection: Revocable,
): Set<Revocable> {
  let set = index.get(name);
  if (!set) {
    set = new Set();
    index.set(name, set);
  }
  set.add(connection);
  return set;
}

/**
 * Open streaming connections (SSE and WebSocket) by the secret key that authorized them, so that
 * revoking a key closes its sockets at once (API.md), here and, through the revocation channel,
 * on every other node. A connection opened with an end-user token also ends when the token
 * expires (`expiresAt`): one timer per connection, cleared when it closes first.
 */
export interface Revocable {
  revoke(reason: "revoked" | "expired"): void;
}

/** setTimeout's ceiling (~24.8 days); tokens live at most 7 days, so this never truncates. */
const MAX_TIMER_MS = 2_147_483_647;

export class ConnectionRegistry {
  readonly #byKey = new Map<string, Set<Revocable>>();

  get size(): number {
    let n = 0;
    for (const set of this.#byKey.values()) n += set.size;
    return n;
  }

  add(keyId: string, connection: Revocable, expiresAt: number | null = null): () => void {
    let set = this.#byKey.get(keyId);
    if (!set) {
      set = new Set();
      this.#byKey.set(keyId, set);
    }
    set.add(connection);
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
    };
  }

  revokeKey(keyId: string): number {
    const set = this.#byKey.get(keyId);
    if (!set) return 0;
    this.#byKey.delete(keyId);
    for (const connection of set) connection.revoke("revoked");
    return set.size;
  }
}

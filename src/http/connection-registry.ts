/**
 * Open streaming connections (SSE and WebSocket) by the secret key that authorized them, so that
 * revoking a key closes its sockets at once (API.md), here and, through the revocation channel,
 * on every other node.
 */
export interface Revocable {
  revoke(): void;
}

export class ConnectionRegistry {
  readonly #byKey = new Map<string, Set<Revocable>>();

  get size(): number {
    let n = 0;
    for (const set of this.#byKey.values()) n += set.size;
    return n;
  }

  add(keyId: string, connection: Revocable): () => void {
    let set = this.#byKey.get(keyId);
    if (!set) {
      set = new Set();
      this.#byKey.set(keyId, set);
    }
    set.add(connection);
    return () => {
      set.delete(connection);
      if (set.size === 0) this.#byKey.delete(keyId);
    };
  }

  revokeKey(keyId: string): number {
    const set = this.#byKey.get(keyId);
    if (!set) return 0;
    this.#byKey.delete(keyId);
    for (const connection of set) connection.revoke();
    return set.size;
  }
}

/**
 * Revoked secret keys, announced to every node so each closes the key's open sockets and streams
 * at once (API.md); the same channel carries erased end users (`end_user:<tag>`, never the id). Delivery is at most once: a node that misses an announcement still refuses
 * the key on its next request (auth reads the store), only its already open streams live on.
 */
export interface KeyRevocations {
  /** Fire and forget. */
  publish(keyId: string): void;
  /** Resolves once announcements reach `onRevoked`. */
  subscribe(onRevoked: (keyId: string) => void): Promise<void>;
  close(): Promise<void>;
}

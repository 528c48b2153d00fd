/**
 * The nodes of a Spool cluster: each live node announces its id and internal address with a
 * heartbeat. The thread router uses it to find where to forward a command for a thread whose
 * lease another node holds. A node whose heartbeat is older than `staleAfterMs` counts as dead.
 *
 * Contract: `heartbeat` is an upsert (idempotent); `lookup` returns null for unknown or stale
 * nodes; `remove` is called on graceful shutdown so others stop forwarding at once.
 */
export interface NodeInfo {
  nodeId: string;
  /** Base URL other nodes use to reach this one's /internal endpoints. */
  url: string;
  heartbeatAt: number;
}

export interface NodeRegistry {
  heartbeat(nodeId: string, url: string): Promise<void>;
  lookup(nodeId: string): Promise<NodeInfo | null>;
  list(): Promise<NodeInfo[]>;
  remove(nodeId: string): Promise<void>;
}

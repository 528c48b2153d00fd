/**
 * Stops a thread's actor wherever it runs, for processes without an actor host of their own (the
 * worker process): the lease names the owner, the node registry where it listens, and the owner
 * is told to stop over the internal route (as a forwarded DELETE does). A dead or unreachable
 * owner needs no stop: the thread's keys, its lease with them, go next, so its writes are fenced.
 */
import type { ThreadRecord } from "../src/domain/records.ts";
import type { LeaseStore } from "../src/ports/lease.ts";
import type { NodeRegistry } from "../src/ports/node-registry.ts";
import type { OwnerClient } from "../src/ports/owner-client.ts";

export interface OwnerStopDeps {
  leases: LeaseStore;
  registry: NodeRegistry;
  client: OwnerClient;
}

export function stopOwnerByLease(deps: OwnerStopDeps): (thread: ThreadRecord) => Promise<void> {
  return async (thread) => {
    const owner = await deps.leases.owner(thread.id);
    if (!owner) return;
    const node = await deps.registry.lookup(owner.nodeId);
    if (!node) return;
    // "unreachable" / "not_owner": nobody runs it any more, or the lease moves; either way the
    // keys removed next take the lease with them.
    await deps.client.stop(
      { nodeId: node.nodeId, url: node.url },
      { tenantId: thread.tenant_id, threadId: thread.id },
    );
  };
}

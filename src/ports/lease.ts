/**
 * Thread ownership through leases (Redis `SET NX PX` in a Lua script). Every grant increments
 * the thread's fencing epoch, so two grants never share an epoch; every other write of an owner
 * carries its epoch and is refused once a newer grant exists.
 *
 * - `acquire` grants when no live lease exists or the lease is recorded for this same node id (an
 *   earlier incarnation of the node); either way the grant takes a new epoch.
 * - `renew` / `release` succeed only for the exact (node, epoch) holder.
 */
export type AcquireResult =
  | { ok: true; epoch: number }
  | { ok: false; ownerNodeId: string; ownerEpoch: number; ttlMs: number };

export interface LeaseStore {
  acquire(threadId: string, nodeId: string, ttlMs: number): Promise<AcquireResult>;
  renew(threadId: string, nodeId: string, epoch: number, ttlMs: number): Promise<boolean>;
  release(threadId: string, nodeId: string, epoch: number): Promise<boolean>;
  owner(threadId: string): Promise<{ nodeId: string; epoch: number } | null>;
}

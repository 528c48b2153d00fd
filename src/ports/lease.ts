/**
 * Thread ownership through leases (Redis `SET NX PX` in a Lua script). Every grant increments
 * the thread's fencing epoch, so two grants never share an epoch; every other write of an owner
 * carries its epoch and is refused once a newer grant exists.
 *
 * - `acquire` grants only when no live lease exists (or it is already this node's, in which case
 *   it renews it and keeps the epoch).
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

/**
 * Makes streams as a crashed owner leaves them, through the ports: a thread in the store, a lease
 * taken by a node that will never renew it, a user message and an in-progress assistant message
 * in the tail, and a partial event log. `live` threads get a long lease, as a running owner has.
 */

import type { MessageRecord, ThreadRecord } from "../../src/domain/records.ts";
import type { CheckpointStore } from "../../src/ports/checkpoint.ts";
import type { LeaseStore } from "../../src/ports/lease.ts";
import type { ThreadStore } from "../../src/ports/thread-store.ts";
import { messageRecord, threadRecord } from "./records.ts";

export interface OrphanPorts {
  store: ThreadStore;
  checkpoint: CheckpointStore;
  leases: LeaseStore;
}

const DAY_MS = 24 * 3600 * 1000;

export async function makeStream(
  ports: OrphanPorts,
  leaseTtlMs: number,
  nodeId: string,
  partial = "half a sent",
): Promise<ThreadRecord> {
  const thread = threadRecord();
  await ports.store.createThread(thread);
  const lease = await ports.leases.acquire(thread.id, nodeId, leaseTtlMs);
  if (!lease.ok) throw new Error("fresh thread's lease was taken");
  const now = new Date().toISOString();
  const base = { epoch: lease.epoch, created_at: now };
  const user = messageRecord(thread, 1, { ...base, completed_at: now });
  const assistant: MessageRecord = messageRecord(thread, 2, {
    ...base,
    role: "assistant",
    status: "in_progress",
    content: [],
    model: "spool/echo",
  });
  await ports.checkpoint.trackInProgress(thread.id);
  const appended = await ports.checkpoint.appendMessages({
    threadId: thread.id,
    epoch: lease.epoch,
    requestId: null,
    fingerprint: "f",
    ifLastSeq: null,
    messages: [user, assistant],
    dedupTtlMs: DAY_MS,
  });
  if (appended.kind !== "appended") throw new Error(`append: ${appended.kind}`);
  const cursor = (offset: number) => ({ thread_id: thread.id, cursor: `2:${offset}` });
  const { tenant_id: _t, epoch: _e, rev: _r, last_offset: _o, ...wire } = assistant;
  const events = [
    { type: "message.created", message: wire, ...cursor(0) },
    { type: "block.start", seq: 2, index: 0, block: { type: "text", text: "" }, ...cursor(1) },
    {
      type: "block.delta",
      seq: 2,
      index: 0,
      delta: { type: "text_delta", text: partial },
      ...cursor(2),
    },
  ].map((e) => JSON.stringify(e));
  const written = await ports.checkpoint.appendEvents(thread.id, lease.epoch, [
    { seq: 2, firstOffset: 0, events },
  ]);
  if (!written.ok) throw new Error("event append fenced");
  return thread;
}

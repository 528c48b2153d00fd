/**
 * Deletes one thread everywhere, the one delete path (DELETE /v1/threads/:id, the erasure of an
 * end user, the retention worker): its actor is stopped on whichever node runs it first, so
 * nothing writes the thread again, then its hot-tier keys, its store rows and its search entries
 * go. Each step is idempotent, so a removal cut short is finished by running it again; a key a
 * late writer leaves behind belongs to a thread the store no longer has, which the reaper drops.
 */
import type { ThreadRecord } from "../src/domain/records.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { SearchIndex } from "../src/ports/search.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";

export interface ThreadRemovalDeps {
  /** Stops the thread's actor wherever it runs (its lease is released); a no-op when none. */
  stopOwner(thread: ThreadRecord): Promise<void>;
  checkpoint: CheckpointStore;
  store: ThreadStore;
  search: SearchIndex;
}

export async function removeThread(deps: ThreadRemovalDeps, thread: ThreadRecord): Promise<void> {
  await deps.stopOwner(thread);
  await deps.checkpoint.deleteThread(thread.id);
  await deps.store.deleteThread(thread.tenant_id, thread.id);
  await deps.search.deleteThread(thread.tenant_id, thread.id);
}

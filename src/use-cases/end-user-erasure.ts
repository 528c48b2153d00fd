/**
 * Erasure of one end user of a tenant (`DELETE /v1/end_users/:end_user_id`): their tokens are
 * voided first (so nothing new of theirs can be written meanwhile), then every thread of theirs
 * goes through the one delete path (actors/thread-removal.ts: owner stopped on any node, hot-tier
 * keys, store rows, search entries), then the compat index entries that name their threads and
 * the rate-limit and stream-cap keys named after them, and their usage-ledger entries lose their
 * end user id (the counts stay: the tenant was billed).
 * Idempotent: running it again finishes an erasure that was cut short.
 */
import type { ThreadRecord } from "../domain/records.ts";
import type { Clock } from "../ports/clock.ts";
import type { ConversationIndex } from "../ports/conversation-index.ts";
import type { ThreadStore } from "../ports/thread-store.ts";

export interface ErasureDeps {
  store: ThreadStore;
  index: ConversationIndex;
  clock: Clock;
  /** Voids every end-user token of theirs issued until `at` (TokenService.revokeEndUser). */
  revokeTokens(tenantId: string, endUserId: string, at: number): Promise<void>;
  /** The one delete path for a thread (ThreadCommands.removeThread). */
  removeThread(thread: ThreadRecord): Promise<void>;
  /** Drops the other hot-tier keys named after the end user (rate buckets, stream set). */
  forgetKeys(tenantId: string, endUserId: string): Promise<void>;
}

export interface ErasureResult {
  threadsDeleted: number;
  usageEntriesAnonymized: number;
}

/** 100 threads a page, removed 4 at a time: an end user with thousands of threads stays bounded. */
const ERASE_PAGE_THREADS = 100;
const ERASE_CONCURRENCY = 4;

export class EndUserErasure {
  constructor(private readonly deps: ErasureDeps) {}

  async erase(tenantId: string, endUserId: string): Promise<ErasureResult> {
    await this.deps.revokeTokens(tenantId, endUserId, this.deps.clock.now());
    const threadsDeleted = await this.#removeThreads(tenantId, endUserId);
    await this.deps.index.forgetEndUser(tenantId, endUserId);
    await this.deps.forgetKeys(tenantId, endUserId);
    const usageEntriesAnonymized = await this.deps.store.anonymizeUsage(tenantId, endUserId);
    return { threadsDeleted, usageEntriesAnonymized };
  }

  async #removeThreads(tenantId: string, endUserId: string): Promise<number> {
    const seen = new Set<string>();
    for (;;) {
      // Always the first page: what was removed is gone from it.
      const page = await this.deps.store.listThreads({
        tenantId,
        endUserId,
        limit: ERASE_PAGE_THREADS,
      });
      if (page.length === 0) return seen.size;
      const fresh = page.filter((t) => !seen.has(t.id));
      // A thread listed again after its removal would loop forever: fail loudly instead.
      if (fresh.length === 0) throw new Error(`erasure could not remove thread ${page[0]!.id}`);
      for (let i = 0; i < fresh.length; i += ERASE_CONCURRENCY) {
        const batch = fresh.slice(i, i + ERASE_CONCURRENCY);
        await Promise.all(batch.map((thread) => this.deps.removeThread(thread)));
        for (const thread of batch) seen.add(thread.id);
      }
    }
  }
}

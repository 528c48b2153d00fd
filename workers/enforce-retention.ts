/**
 * enforce-retention (a BullMQ job scheduler, every RETENTION_INTERVAL_MS): deletes the threads of
 * every tenant with `retention_days` set whose last activity is older than that many days, through
 * the one delete path (actors/thread-removal.ts: owner stopped on any node, hot-tier keys, store
 * rows, search entries). A run removes at most RETENTION_BATCH threads, oldest tenants first, and
 * the next run goes on: a tenant that lowers its limit from years to a day is worked off in steps.
 * Time comes from the injected clock, so the limit is tested without waiting days.
 */
import type { ThreadRecord } from "../src/domain/records.ts";
import type { Clock } from "../src/ports/clock.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { TenantStore } from "../src/ports/tenant-store.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";

export interface RetentionDeps {
  tenants: TenantStore;
  store: ThreadStore;
  clock: Clock;
  logger: Logger;
  /** The one delete path for a thread (actors/thread-removal.ts). */
  removeThread(thread: ThreadRecord): Promise<void>;
}

export const DAY_MS = 86_400_000;
/** 1,000 threads a run: a run stays within seconds; a backlog is worked off by the next runs. */
export const RETENTION_BATCH = 1000;
const TENANT_PAGE = 100;
const THREAD_PAGE = 100;

export interface RetentionOutcome {
  tenants: number;
  deleted: number;
}

export async function enforceRetention(
  deps: RetentionDeps,
  budget = RETENTION_BATCH,
): Promise<RetentionOutcome> {
  const outcome: RetentionOutcome = { tenants: 0, deleted: 0 };
  let after: { createdAt: number; id: string } | undefined;
  for (;;) {
    const page = await deps.tenants.listTenants({
      limit: TENANT_PAGE,
      ...(after ? { after } : {}),
    });
    for (const tenant of page) {
      const days = (await deps.tenants.getLimits(tenant.id))?.retention_days ?? 0;
      if (days <= 0) continue; // 0 or unset: kept forever
      outcome.tenants++;
      const cutoff = deps.clock.now() - days * DAY_MS;
      outcome.deleted += await expire(deps, tenant.id, cutoff, budget - outcome.deleted);
      if (outcome.deleted >= budget) return outcome;
    }
    const last = page[page.length - 1];
    if (page.length < TENANT_PAGE || !last) return outcome;
    after = { createdAt: last.created_at, id: last.id };
  }
}

/** Removes the tenant's threads last active before `cutoff` (epoch ms), at most `budget`. */
async function expire(
  deps: RetentionDeps,
  tenantId: string,
  cutoff: number,
  budget: number,
): Promise<number> {
  let deleted = 0;
  while (deleted < budget) {
    // Keyset "after (cutoff, '')" in (last_active_at desc, id desc) order: exactly the threads
    // with last_active_at < cutoff. Always the first such page: what was removed is gone from it.
    const threads = await deps.store.listThreads({
      tenantId,
      limit: Math.min(THREAD_PAGE, budget - deleted),
      after: { lastActiveAt: cutoff, id: "" },
    });
    if (threads.length === 0) break;
    for (const thread of threads) {
      await deps.removeThread(thread);
      deleted++;
    }
    deps.logger.info("retention deleted threads", { tenant: tenantId, count: threads.length });
  }
  return deleted;
}

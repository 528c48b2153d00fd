/** StreamSlots in process memory (one node, unit tests): leases timed by the given clock. */
import type { Clock } from "../../ports/clock.ts";
import type { OpenResult, StreamSlotSets, StreamSlots } from "../../ports/stream-slots.ts";

export class MemoryStreamSlots implements StreamSlots {
  /** set name -> stream id -> lease end (ms). */
  readonly #sets = new Map<string, Map<string, number>>();

  constructor(private readonly clock: Pick<Clock, "now">) {}

  async open(
    scope: string,
    sets: StreamSlotSets,
    streamId: string,
    leaseMs: number,
  ): Promise<OpenResult> {
    const now = this.clock.now();
    const checks: [Map<string, number>, number, "end_user" | "tenant"][] = [
      [this.#set(scope, null), sets.tenantCap, "tenant"],
    ];
    if (sets.endUser !== null)
      checks.unshift([this.#set(scope, sets.endUser), sets.endUserCap, "end_user"]);
    for (const [set, cap, which] of checks) {
      for (const [id, until] of set) if (until <= now) set.delete(id);
      if (cap > 0 && !set.has(streamId) && set.size >= cap) return { ok: false, which, cap };
    }
    for (const [set] of checks) set.set(streamId, now + leaseMs);
    return { ok: true };
  }

  async renew(
    entries: { scope: string; endUser: string | null; streamIds: string[] }[],
    leaseMs: number,
  ): Promise<void> {
    const until = this.clock.now() + leaseMs;
    for (const { scope, endUser, streamIds } of entries) {
      const sets = [
        this.#set(scope, null),
        ...(endUser === null ? [] : [this.#set(scope, endUser)]),
      ];
      for (const set of sets) for (const id of streamIds) if (set.has(id)) set.set(id, until);
    }
  }

  async close(scope: string, endUser: string | null, streamId: string): Promise<void> {
    this.#set(scope, null).delete(streamId);
    if (endUser !== null) this.#set(scope, endUser).delete(streamId);
  }

  async forgetEndUser(scope: string, endUser: string): Promise<void> {
    this.#sets.delete(`${scope}\u0000${endUser}`);
  }

  #set(scope: string, endUser: string | null): Map<string, number> {
    const name = `${scope}\u0000${endUser ?? "\u0000tenant"}`;
    let set = this.#sets.get(name);
    if (!set) {
      set = new Map();
      this.#sets.set(name, set);
    }
    return set;
  }
}

/**
 * StreamSlots on Redis: sorted sets of stream ids scored by lease end (open-stream-2.lua,
 * renew-streams-2.lua). Renewals for many streams go out as one pipeline.
 */
import type { Redis } from "ioredis";
import type { OpenResult, StreamSlotSets, StreamSlots } from "../../ports/stream-slots.ts";
import type { RedisKeys } from "./keys.ts";
import { runScript } from "./scripts.ts";

export class RedisStreamSlots implements StreamSlots {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async open(
    scope: string,
    sets: StreamSlotSets,
    streamId: string,
    leaseMs: number,
  ): Promise<OpenResult> {
    const tenantKey = this.keys.streams(scope, null);
    // A secret key's stream has no end-user set: the tenant set stands in (checked twice, harmless).
    const userKey = sets.endUser === null ? tenantKey : this.keys.streams(scope, sets.endUser);
    const userCap = sets.endUser === null ? 0 : sets.endUserCap;
    const reply = (await runScript(
      this.redis,
      "open-stream-2",
      [userKey, tenantKey],
      [streamId, leaseMs, userCap, sets.tenantCap],
    )) as [number, number];
    if (reply[0] === 1) return { ok: true };
    return reply[1] === 1
      ? { ok: false, which: "end_user", cap: userCap }
      : { ok: false, which: "tenant", cap: sets.tenantCap };
  }

  async renew(
    entries: { scope: string; endUser: string | null; streamIds: string[] }[],
    leaseMs: number,
  ): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { scope, endUser, streamIds } of entries) {
      const tenantKey = this.keys.streams(scope, null);
      const userKey = endUser === null ? tenantKey : this.keys.streams(scope, endUser);
      void runScript(pipeline, "renew-streams-2", [userKey, tenantKey], [leaseMs, ...streamIds]);
    }
    await pipeline.exec();
  }

  async close(scope: string, endUser: string | null, streamId: string): Promise<void> {
    // Plain commands, not a Pipeline object: the connection auto-pipelines what one turn sends,
    // and building a Pipeline cost more than the two ZREMs (every stream ends through here).
    const removals = [this.redis.zrem(this.keys.streams(scope, null), streamId)];
    if (endUser !== null)
      removals.push(this.redis.zrem(this.keys.streams(scope, endUser), streamId));
    await Promise.all(removals);
  }

  async forgetEndUser(scope: string, endUser: string): Promise<void> {
    await this.redis.unlink(this.keys.streams(scope, endUser));
  }
}

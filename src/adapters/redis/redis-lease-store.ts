/** LeaseStore on Redis: `SET NX PX` + epoch INCR in one script (scripts/acquire-lease-2.lua). */
import type { Redis } from "ioredis";
import type { AcquireResult, LeaseStore } from "../../ports/lease.ts";
import type { RedisKeys } from "./keys.ts";
import { runScript } from "./scripts.ts";

export class RedisLeaseStore implements LeaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async acquire(threadId: string, nodeId: string, ttlMs: number): Promise<AcquireResult> {
    const reply = (await runScript(
      this.redis,
      "acquire-lease-2",
      [this.keys.lease(threadId), this.keys.epoch(threadId)],
      [nodeId, ttlMs],
    )) as [number, number | string, number?, number?];
    if (reply[0] === 1) return { ok: true, epoch: Number(reply[1]) };
    return {
      ok: false,
      ownerNodeId: String(reply[1]),
      ownerEpoch: Number(reply[2]),
      ttlMs: Number(reply[3]),
    };
  }

  async renew(threadId: string, nodeId: string, epoch: number, ttlMs: number): Promise<boolean> {
    const reply = await runScript(
      this.redis,
      "renew-lease-1",
      [this.keys.lease(threadId)],
      [`${epoch}:${nodeId}`, ttlMs],
    );
    return reply === 1;
  }

  async release(threadId: string, nodeId: string, epoch: number): Promise<boolean> {
    const reply = await runScript(
      this.redis,
      "release-lease-1",
      [this.keys.lease(threadId)],
      [`${epoch}:${nodeId}`],
    );
    return reply === 1;
  }

  async owner(threadId: string): Promise<{ nodeId: string; epoch: number } | null> {
    const value = await this.redis.get(this.keys.lease(threadId));
    if (!value) return null;
    const sep = value.indexOf(":");
    return { epoch: Number(value.slice(0, sep)), nodeId: value.slice(sep + 1) };
  }
}

/**
 * NodeRegistry on one Redis hash (`keys.nodes()`): field = node id, value = JSON {url,
 * heartbeat_at}. Redis 7.0 has no per-field expiry, so staleness is judged on read from
 * `heartbeat_at`, and long-dead entries are pruned by whichever node heartbeats.
 */
import type { Redis } from "ioredis";
import type { NodeInfo, NodeRegistry } from "../../ports/node-registry.ts";
import type { RedisKeys } from "./keys.ts";

/** Entries dead for 20 heartbeat windows are removed; younger ones stay visible for debugging. */
const PRUNE_AFTER_STALE_WINDOWS = 20;

export class RedisNodeRegistry implements NodeRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly staleAfterMs: number,
    private readonly now: () => number,
  ) {}

  async heartbeat(nodeId: string, url: string): Promise<void> {
    const value = JSON.stringify({ url, heartbeat_at: this.now() });
    await this.redis.hset(this.keys.nodes(), nodeId, value);
  }

  async lookup(nodeId: string): Promise<NodeInfo | null> {
    const raw = await this.redis.hget(this.keys.nodes(), nodeId);
    const info = raw ? parse(nodeId, raw) : null;
    return info && this.#fresh(info) ? info : null;
  }

  async list(): Promise<NodeInfo[]> {
    const all = await this.redis.hgetall(this.keys.nodes());
    const infos = Object.entries(all).map(([id, raw]) => parse(id, raw));
    const dead = infos.filter(
      (i) => this.now() - i.heartbeatAt > this.staleAfterMs * PRUNE_AFTER_STALE_WINDOWS,
    );
    if (dead.length > 0) await this.redis.hdel(this.keys.nodes(), ...dead.map((i) => i.nodeId));
    return infos.filter((i) => this.#fresh(i));
  }

  async remove(nodeId: string): Promise<void> {
    await this.redis.hdel(this.keys.nodes(), nodeId);
  }

  #fresh(info: NodeInfo): boolean {
    return this.now() - info.heartbeatAt <= this.staleAfterMs;
  }
}

function parse(nodeId: string, raw: string): NodeInfo {
  const value = JSON.parse(raw) as { url: string; heartbeat_at: number };
  return { nodeId, url: value.url, heartbeatAt: value.heartbeat_at };
}

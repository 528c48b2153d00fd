/**
 * ConversationIndex on plain Redis strings (keys.ts `conversation` / `compatRequest`): a GET per
 * lookup, SET NX PX for a claim. Values are small JSON; a malformed one reads as absent.
 */
import type { Redis } from "ioredis";
import type {
  Claim,
  ConversationIndex,
  IndexScope,
  RequestRecord,
  ThreadMark,
} from "../../ports/conversation-index.ts";
import type { RedisKeys } from "./keys.ts";

const PENDING = "pending";
/** 500 keys a SCAN step: one erasure walks the keyspace in short, non-blocking steps. */
const SCAN_COUNT = 500;

function parse<T>(raw: string | null): T | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null; // not ours or truncated: treated as absent, the caller makes a new entry
  }
}

export class RedisConversationIndex implements ConversationIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async findThread(scope: IndexScope, fingerprint: string): Promise<ThreadMark | null> {
    const mark = parse<ThreadMark>(await this.redis.get(this.#fp(scope, fingerprint)));
    return mark && typeof mark.threadId === "string" && Number.isInteger(mark.lastSeq)
      ? mark
      : null;
  }

  async putThread(scope: IndexScope, fingerprint: string, mark: ThreadMark, ttlMs: number) {
    await this.redis.set(this.#fp(scope, fingerprint), JSON.stringify(mark), "PX", ttlMs);
  }

  async claimRequest(scope: IndexScope, key: string, pendingTtlMs: number): Promise<Claim> {
    const redisKey = this.#req(scope, key);
    const set = await this.redis.set(redisKey, PENDING, "PX", pendingTtlMs, "NX");
    if (set === "OK") return { kind: "claimed" };
    const raw = await this.redis.get(redisKey);
    if (raw === null) return this.claimRequest(scope, key, pendingTtlMs); // expired in between
    if (raw === PENDING) return { kind: "pending" };
    const record = parse<RequestRecord>(raw);
    return record ? { kind: "done", record } : { kind: "pending" };
  }

  async putRequest(scope: IndexScope, key: string, record: RequestRecord, ttlMs: number) {
    await this.redis.set(this.#req(scope, key), JSON.stringify(record), "PX", ttlMs);
  }

  async releaseRequest(scope: IndexScope, key: string): Promise<void> {
    const redisKey = this.#req(scope, key);
    if ((await this.redis.get(redisKey)) === PENDING) await this.redis.del(redisKey);
  }

  async forgetEndUser(tenantId: string, endUserId: string): Promise<void> {
    for (const pattern of this.keys.endUserIndexPatterns(tenantId, endUserId)) {
      let cursor = "0";
      do {
        const [next, found] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT);
        if (found.length > 0) await this.redis.unlink(...found);
        cursor = next;
      } while (cursor !== "0");
    }
  }

  #fp(scope: IndexScope, fingerprint: string): string {
    return this.keys.conversation(scope.tenantId, scope.endUserId, fingerprint);
  }

  #req(scope: IndexScope, key: string): string {
    return this.keys.compatRequest(scope.tenantId, scope.endUserId, key);
  }
}

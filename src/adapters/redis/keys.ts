/**
 * Every Redis key Spool uses, built here and nowhere else. All keys of one thread share the hash
 * tag `{t:<thread_id>}` so a Redis Cluster keeps them in one slot (Lua scripts touch several).
 *
 *   <p>:{t:<id>}:lease        string "<epoch>:<node_id>", PX = lease TTL      (lease holder)
 *   <p>:{t:<id>}:epoch        integer, INCR per lease grant, seeded at the ms clock when missing (fencing epoch)
 *   <p>:{t:<id>}:seq          integer, last assigned seq
 *   <p>:{t:<id>}:tail         hash seq -> MessageRecord JSON (not yet persisted, or in progress)
 *   <p>:{t:<id>}:req:<rid>    string "<fingerprint>|<seq>,<seq>", PX = dedup TTL
 *   <p>:{t:<id>}:ev:<seq>     list of event JSON, index = offset; PX after the message ends
 *   <p>:{t:<id>}:live         pub/sub channel of a thread's durable events (other nodes)
 *   <p>:{t:<id>}:watchers     "1", PX: some node follows the thread on :live (else the owner
 *                             skips the PUBLISH; live-followers.ts)
 *   <p>:nodes                 hash node_id -> JSON {url, heartbeat_at}     (node registry)
 *   <p>:revoked-keys          pub/sub channel of revoked secret key ids (every node listens)
 *   <p>:in-progress           zset thread_id -> ms tracked; threads that may hold an in-progress
 *                             message (orphan reaper's index; global, so never in a thread script)
 *   <p>:{rl:<tenant>}:b:<name>  hash {t, at}: a token bucket (take-tokens-2.lua), PEXPIRE when idle
 *   <p>:{rl:<tenant>}:s:u:<end_user> / :s:t   zset stream id -> lease end ms (open-stream-2.lua)
 *   <p>:conv:<tenant>:<eu>:<fp>   JSON ThreadMark, PX: the thread a history fingerprint names
 *   <p>:creq:<tenant>:<eu>:<key>  "pending" | JSON RequestRecord, PX: a compat Idempotency-Key
 *                             (<eu>: sha256 of the end user id, "-" for none; compat endpoints)
 *   <p>:{bull}                BullMQ's prefix (one slot for all queue keys, as BullMQ requires)
 */
import { createHash } from "node:crypto";

/** End user ids and idempotency keys are client text: hashed, so no `:` or `{` reaches a key. */
function digest(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 24);
}

export class RedisKeys {
  constructor(readonly prefix: string) {}

  #thread(threadId: string): string {
    return `${this.prefix}:{t:${threadId}}`;
  }

  lease(threadId: string): string {
    return `${this.#thread(threadId)}:lease`;
  }
  epoch(threadId: string): string {
    return `${this.#thread(threadId)}:epoch`;
  }
  seq(threadId: string): string {
    return `${this.#thread(threadId)}:seq`;
  }
  tail(threadId: string): string {
    return `${this.#thread(threadId)}:tail`;
  }
  request(threadId: string, requestId: string): string {
    return `${this.#thread(threadId)}:req:${requestId}`;
  }
  requestPattern(threadId: string): string {
    return `${this.#thread(threadId)}:req:*`;
  }
  events(threadId: string, seq: number): string {
    return `${this.#thread(threadId)}:ev:${seq}`;
  }
  watchers(threadId: string): string {
    return `${this.#thread(threadId)}:watchers`;
  }
  live(threadId: string): string {
    return `${this.#thread(threadId)}:live`;
  }

  summaryDraft(threadId: string): string {
    return `${this.#thread(threadId)}:summary-draft`;
  }
  inProgress(): string {
    return `${this.prefix}:in-progress`;
  }
  revokedKeys(): string {
    return `${this.prefix}:revoked-keys`;
  }
  nodes(): string {
    return `${this.prefix}:nodes`;
  }
  /** A tenant's token bucket; every bucket of a tenant shares one slot (one script touches two). */
  bucket(tenantId: string, name: string): string {
    return `${this.prefix}:{rl:${tenantId}}:b:${name}`;
  }
  /** Open streams of one end user of a tenant (null: the tenant's own set). */
  streams(tenantId: string, endUserId: string | null): string {
    const tail = endUserId === null ? "t" : `u:${endUserId}`;
    return `${this.prefix}:{rl:${tenantId}}:s:${tail}`;
  }
  conversation(tenantId: string, endUserId: string | null, fingerprint: string): string {
    return `${this.prefix}:conv:${tenantId}:${endUserId === null ? "-" : digest(endUserId)}:${fingerprint}`;
  }
  compatRequest(tenantId: string, endUserId: string | null, key: string): string {
    return `${this.prefix}:creq:${tenantId}:${endUserId === null ? "-" : digest(endUserId)}:${digest(key)}`;
  }
  /** Glob patterns of every conversation and compat-request key of one end user (erasure). */
  endUserIndexPatterns(tenantId: string, endUserId: string): string[] {
    const scope = `${tenantId}:${digest(endUserId)}`;
    return [`${this.prefix}:conv:${scope}:*`, `${this.prefix}:creq:${scope}:*`];
  }
  bullPrefix(): string {
    return `${this.prefix}:{bull}`;
  }
}

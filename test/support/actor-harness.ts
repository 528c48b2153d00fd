/**
 * The actor core on memory ports, for unit tests: memory checkpoint / lease / live bus / job
 * queue on one fake clock, an in-memory SQLite store (a real adapter, no file), the scripted
 * `spool/echo` model, and an ActorHost like deps.ts builds. No Redis, no process, no socket.
 */
import type { ActorDeps } from "../../actors/actor-deps.ts";
import { ActorHost } from "../../actors/actor-host.ts";
import type { EventEntry } from "../../actors/event-entry.ts";
import { HistoryReader } from "../../actors/history-reader.ts";
import type { StreamSink } from "../../actors/subscription.ts";
import type { ThreadActor } from "../../actors/thread-actor.ts";
import type { TurnTicket } from "../../actors/turn.ts";
import { ProviderRegistry } from "../../src/adapters/llm/provider-registry.ts";
import { ScriptedProvider } from "../../src/adapters/llm/scripted/scripted-provider.ts";
import { FakeClock } from "../../src/adapters/memory/fake-clock.ts";
import { MemoryCheckpointStore } from "../../src/adapters/memory/memory-checkpoint-store.ts";
import { MemoryJobQueue } from "../../src/adapters/memory/memory-job-queue.ts";
import { MemoryLeaseStore } from "../../src/adapters/memory/memory-lease-store.ts";
import { MemoryLiveBus } from "../../src/adapters/memory/memory-live-bus.ts";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { migrateSqlite } from "../../src/adapters/sqlite/schema.ts";
import { SqliteThreadStore } from "../../src/adapters/sqlite/sqlite-thread-store.ts";
import { SqliteToolRegistry } from "../../src/adapters/sqlite/sqlite-tool-registry.ts";
import { normalizeContent } from "../../src/domain/content.ts";
import { sendFingerprint } from "../../src/domain/fingerprint.ts";
import type { MessageRecord, ThreadRecord } from "../../src/domain/records.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import type { ToolExecutor } from "../../src/ports/tool-executor.ts";
import type { LogEvent } from "../../src/protocol/events.ts";
import type { SendBody } from "../../src/protocol/requests.ts";
import { threadRecord } from "./records.ts";

export const LEASE = { ttlMs: 9_000, renewEveryMs: 3_000 };
export const TOOL_WAIT_MS = 60_000;

/** A sink that records what it was sent; `buffered` and `drain` drive backpressure. */
export class RecordingSink implements StreamSink {
  readonly entries: EventEntry[] = [];
  buffered = 0;
  closed = false;
  closeReason: string | null = null;
  #drain: (() => void) | null = null;

  send(entries: EventEntry[]): void {
    this.entries.push(...entries);
  }
  bufferedBytes(): number {
    return this.buffered;
  }
  onDrain(callback: () => void): void {
    this.#drain = callback;
  }
  close(reason: "done" | "reconnect" | "revoked"): void {
    this.closed = true;
    this.closeReason = reason;
  }
  drain(): void {
    this.buffered = 0;
    const callback = this.#drain;
    this.#drain = null;
    callback?.();
  }
  positions(): string[] {
    return this.entries.map((e) => `${e.seq}:${e.offset}`);
  }
  types(): string[] {
    return this.entries.map((e) => (JSON.parse(e.json) as { type: string }).type);
  }
}

export interface Harness {
  clock: FakeClock;
  leases: MemoryLeaseStore;
  checkpoint: MemoryCheckpointStore;
  live: MemoryLiveBus;
  jobs: MemoryJobQueue;
  store: SqliteThreadStore;
  deps: ActorDeps;
  host: ActorHost;
  newThread(): Promise<ThreadRecord>;
  actor(thread: ThreadRecord): Promise<ThreadActor>;
  /** A host of another node on the same ports (takeover, fencing). */
  otherHost(nodeId: string): ActorHost;
  close(): Promise<void>;
}

export async function actorHarness(
  options: { toolExecutor?: ToolExecutor } = {},
): Promise<Harness> {
  const clock = new FakeClock();
  const leases = new MemoryLeaseStore(clock);
  const checkpoint = new MemoryCheckpointStore(leases, clock);
  const live = new MemoryLiveBus();
  const jobs = new MemoryJobQueue();
  const db = await openSqlite(":memory:");
  migrateSqlite(db);
  const store = new SqliteThreadStore(db);
  const depsFor = (nodeId: string): ActorDeps => ({
    nodeId,
    checkpoint,
    store,
    jobs,
    catalog: new ProviderRegistry([new ScriptedProvider()]),
    tools: new SqliteToolRegistry(db),
    toolExecutor: options.toolExecutor ?? {
      execute: async (tool) => ({ content: `ran ${tool.name}`, is_error: false, attempts: 1 }),
    },
    clock,
    history: new HistoryReader(store, checkpoint, () => null),
    logger: silentLogger,
    limits: {
      dedupTtlMs: 60_000,
      maxSubscriberBufferBytes: 4096,
      toolWaitTimeoutMs: TOOL_WAIT_MS,
    },
    live,
  });
  const deps = depsFor("node-a");
  const host = new ActorHost(deps, leases, LEASE);
  const hosts = [host];
  return {
    clock,
    leases,
    checkpoint,
    live,
    jobs,
    store,
    deps,
    host,
    async newThread() {
      const thread = threadRecord();
      await store.createThread(thread);
      return thread;
    },
    actor: (thread) => host.actorFor(thread),
    otherHost(nodeId) {
      const other = new ActorHost(depsFor(nodeId), leases, LEASE);
      hosts.push(other);
      return other;
    },
    async close() {
      for (const h of hosts) await h.stopAll();
      await store.close();
    },
  };
}

/** A send as the use-case seam builds it. */
export function sendOf(body: SendBody) {
  return {
    body,
    content: normalizeContent(body.content),
    requestId: body.request_id ?? null,
    fingerprint: sendFingerprint(body),
  };
}

export async function send(actor: ThreadActor, body: SendBody): Promise<TurnTicket> {
  return actor.send(sendOf(body));
}

/** The checkpointed log of message `seq`, parsed. */
export async function logOf(h: Harness, threadId: string, seq: number): Promise<LogEvent[]> {
  const raw = (await h.checkpoint.readEvents(threadId, seq, 0)) ?? [];
  return raw.map((json) => JSON.parse(json) as LogEvent);
}

export async function tailMessage(
  h: Harness,
  threadId: string,
  seq: number,
): Promise<MessageRecord> {
  const record = await h.checkpoint.readTailMessage(threadId, seq);
  if (!record) throw new Error(`no tail entry for ${threadId}/${seq}`);
  return record;
}

/** Resolves when `check` holds, letting real timers (the scripted model's pacing) run. */
export async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}

// Workers as separate processes (`bun workers/main.ts`) next to a server started with
// WORKERS=external, sharing its Redis and SQLite DATA_DIR: 50 kill -9 cycles lose and duplicate
// nothing; and a Redis restart (AOF on) under load loses nothing acknowledged, workers resuming.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Subprocess, spawn } from "bun";
import { startRedis } from "../support/redis.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

const ROOT = join(import.meta.dir, "../..");
const CYCLES = 50;
const THREADS = 4;
/** Worker processes alive at once; one is killed and replaced per cycle. */
const WORKERS = 4;
/** How long a cycle waits to see the workers persist before it kills one anyway. */
const PROGRESS_WAIT_MS = 3000;
/** 1 s job lock: a killed worker's job is run again within ~2 s (production keeps 30 s). */
const JOB_LOCK_MS = "1000";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function spawnWorker(spool: TestSpool, redisUrl: string): Subprocess {
  return spawn([process.execPath, join(ROOT, "workers/main.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: spool.prefix,
      DATA_DIR: spool.dataDir,
      JOB_LOCK_MS,
      LOG_LEVEL: "error",
    },
    stdout: "ignore",
    stderr: "ignore",
  });
}

async function newThread(spool: TestSpool): Promise<string> {
  const { body } = await spool.json("POST", "/v1/threads", { end_user_id: "u" });
  return body.id as string;
}

/** Sends a user message; returns its text when acknowledged (201), else null. */
async function send(spool: TestSpool, threadId: string, text: string): Promise<string | null> {
  try {
    const response = await spool.call("POST", `/v1/threads/${threadId}/messages`, {
      content: text,
    });
    return response.status === 201 ? text : null;
  } catch (error) {
    // A request that fails while Redis is down is simply not acknowledged.
    if (error instanceof Error) return null;
    throw error;
  }
}

async function storedTexts(spool: TestSpool, threadId: string): Promise<string[]> {
  const rows = await spool.runtime.services.store.listMessages({
    threadId,
    limit: 10_000,
    order: "asc",
    includeTools: true,
  });
  return rows.map((r) => (r.content[0] as { text: string }).text);
}

async function storedCount(spool: TestSpool, threads: string[]): Promise<number> {
  let n = 0;
  for (const threadId of threads) n += (await storedTexts(spool, threadId)).length;
  return n;
}

async function progressed(spool: TestSpool, threads: string[], before: number, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await storedCount(spool, threads)) > before) return true;
    await Bun.sleep(10);
  }
  return false;
}

async function waitStored(
  spool: TestSpool,
  sent: Map<string, string[]>,
  ms: number,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    let missing = 0;
    for (const [threadId, texts] of sent) {
      const stored = await storedTexts(spool, threadId);
      missing += texts.filter((t) => !stored.includes(t)).length;
    }
    if (missing === 0) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`${missing} acknowledged messages not stored`);
    await Bun.sleep(50);
  }
}

describe("worker processes", () => {
  test(`${CYCLES} kill -9 cycles: every message stored exactly once`, async () => {
    const spool = await startSpool({ WORKERS: "external", JOB_LOCK_MS });
    cleanups.push(() => spool.close());
    const redisUrl = spool.runtime.redisUrl;
    const workers = Array.from({ length: WORKERS }, () => spawnWorker(spool, redisUrl));
    cleanups.push(async () => {
      for (const w of workers) w.kill("SIGKILL");
    });
    const threads = await Promise.all(Array.from({ length: THREADS }, () => newThread(spool)));
    const sent = new Map<string, string[]>(threads.map((t) => [t, []]));
    let workingKills = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const victim = cycle % WORKERS; // the oldest: it has had time to start and take jobs
      const before = await storedCount(spool, threads);
      await Promise.all(
        threads.map(async (threadId, i) => {
          const text = await send(spool, threadId, `c${cycle}-t${i}`);
          if (text) sent.get(threadId)!.push(text);
        }),
      );
      // Kill once the workers are visibly persisting (a started process takes ~0.8 s), a few ms
      // in, so kills land inside and between jobs rather than in start-up.
      if (await progressed(spool, threads, before, PROGRESS_WAIT_MS)) workingKills++;
      await Bun.sleep(Math.floor(Math.random() * 20));
      workers[victim]!.kill("SIGKILL");
      workers[victim] = spawnWorker(spool, redisUrl);
    }
    // Most kills hit workers that were working (not all: a cycle may find every worker starting).
    expect(workingKills).toBeGreaterThan(CYCLES / 2);
    await waitStored(spool, sent, 20_000);
    for (const [threadId, texts] of sent) {
      expect(texts.length).toBe(CYCLES);
      const stored = await storedTexts(spool, threadId);
      expect(stored).toEqual(texts);
    }
  }, 90_000);

  test("Redis restarted under load: nothing acknowledged lost, workers resume within 10 s", async () => {
    const redis = await startRedis({ appendonly: true });
    let current = redis;
    cleanups.push(() => current.stop());
    const spool = await startSpool({ REDIS_URL: redis.url, JOB_LOCK_MS });
    cleanups.push(() => spool.close());
    const threads = await Promise.all(Array.from({ length: THREADS }, () => newThread(spool)));
    const sent = new Map<string, string[]>(threads.map((t) => [t, []]));
    let running = true;
    let n = 0;
    const load = (async () => {
      while (running) {
        await Promise.all(
          threads.map(async (threadId) => {
            const text = await send(spool, threadId, `m${n++}`);
            if (text) sent.get(threadId)!.push(text);
          }),
        );
        await Bun.sleep(10);
      }
    })();
    await Bun.sleep(700);
    await redis.stop();
    await Bun.sleep(300);
    current = await startRedis({ appendonly: true, port: redis.port, dir: redis.dir });
    const restartedAt = Date.now();
    await Bun.sleep(1500);
    running = false;
    await load;
    const acknowledged = [...sent.values()].reduce((sum, texts) => sum + texts.length, 0);
    expect(acknowledged).toBeGreaterThan(0);
    await waitStored(spool, sent, 10_000);
    expect(Date.now() - restartedAt).toBeLessThan(10_000 + 1500);
  }, 60_000);
});

/**
 * Append throughput (issue 17: one thread ≥ 3,000 appends/s, 100 threads ≥ 10,000/s):
 * `bun test/bench/append-bench.ts [--runs=N]`. Append-only sends (POST /v1/threads/:id/messages
 * without a model) through an in-process Spool (HTTP handler, actor, fenced Lua append, persist
 * jobs, embedded workers) on the test Redis, next to a same-run raw baseline on the same Redis: an
 * ioredis pipeline of HSET (tail) + INCR (seq) per append, with the same number in flight and no
 * fencing, dedup or ordering. Three runs by default; compare ratios within a run (noisy machine).
 * `--workers=external` leaves the persist/embed workers out of the process (jobs wait in BullMQ),
 * to see the send path's own cost apart from theirs.
 */
import { Redis } from "ioredis";
import { startSpool, type TestSpool } from "../support/spool.ts";

const FLAGS = process.argv.slice(2);
const RUNS = Number(FLAGS.find((f) => f.startsWith("--runs="))?.slice(7) ?? 3);
const WORKERS = FLAGS.find((f) => f.startsWith("--workers="))?.slice(10) ?? "embedded";
const ONE_THREAD_APPENDS = 3000;
/** 100 in flight on one thread: a busy chat room, under Bun's per-process limits. */
const ONE_THREAD_IN_FLIGHT = 100;
const THREADS = 100;
const APPENDS_PER_THREAD = 50;
/** 10 per thread in flight, 1,000 in all. */
const IN_FLIGHT_PER_THREAD = 10;
const BODY_TEXT = "message body of a realistic length for a chat turn";

/** Runs `total` tasks with at most `width` in flight; returns appends/s. */
async function window(
  total: number,
  width: number,
  task: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  const lane = async () => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, total) }, lane));
  return total / ((performance.now() - start) / 1000);
}

async function send(spool: TestSpool, threadId: string, i: number): Promise<void> {
  const response = await spool.call("POST", `/v1/threads/${threadId}/messages`, {
    content: `${BODY_TEXT} ${i}`,
  });
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(`append answered ${response.status}: ${await response.text()}`);
  }
  await response.arrayBuffer();
}

async function newThread(spool: TestSpool): Promise<string> {
  return (await spool.json("POST", "/v1/threads", { end_user_id: "bench" })).body.id as string;
}

async function spoolRates(spool: TestSpool): Promise<{ one: number; many: number }> {
  const thread = await newThread(spool);
  const one = await window(ONE_THREAD_APPENDS, ONE_THREAD_IN_FLIGHT, (i) => send(spool, thread, i));
  const threads = await Promise.all(Array.from({ length: THREADS }, () => newThread(spool)));
  const rates = await Promise.all(
    threads.map((id) =>
      window(APPENDS_PER_THREAD, IN_FLIGHT_PER_THREAD, (i) => send(spool, id, i)),
    ),
  );
  // Every thread ran at once: the aggregate is the total over the slowest thread's time.
  const many =
    (THREADS * APPENDS_PER_THREAD) / Math.max(...rates.map((r) => APPENDS_PER_THREAD / r));
  return { one, many };
}

function rawAppend(redis: Redis, key: string, i: number): Promise<void> {
  const json = JSON.stringify({
    seq: i,
    role: "user",
    content: [{ type: "text", text: BODY_TEXT }],
  });
  return redis
    .pipeline()
    .hset(`${key}:tail`, String(i), json)
    .incr(`${key}:seq`)
    .exec()
    .then(() => undefined);
}

async function rawRates(redis: Redis, prefix: string): Promise<{ one: number; many: number }> {
  const one = await window(ONE_THREAD_APPENDS, ONE_THREAD_IN_FLIGHT, (i) =>
    rawAppend(redis, `${prefix}:one`, i),
  );
  const start = performance.now();
  await Promise.all(
    Array.from({ length: THREADS }, (_, t) =>
      window(APPENDS_PER_THREAD, IN_FLIGHT_PER_THREAD, (i) =>
        rawAppend(redis, `${prefix}:${t}`, i),
      ),
    ),
  );
  const many = (THREADS * APPENDS_PER_THREAD) / ((performance.now() - start) / 1000);
  return { one, many };
}

const spool = await startSpool({ WORKERS: WORKERS });
const redis = new Redis(spool.runtime.config.redis.url ?? "");
console.log(
  `appends/s: 1 thread (${ONE_THREAD_APPENDS}, ${ONE_THREAD_IN_FLIGHT} in flight), ` +
    `${THREADS} threads (${APPENDS_PER_THREAD} each, ${IN_FLIGHT_PER_THREAD} in flight per thread), ` +
    `${WORKERS} workers`,
);
for (let run = 1; run <= RUNS; run++) {
  const ours = await spoolRates(spool);
  const raw = await rawRates(redis, `${spool.prefix}bench:raw:${run}`);
  const line = (label: string, a: number, b: number) =>
    `  ${label} spool ${a.toFixed(0).padStart(6)}  raw HSET+INCR ${b.toFixed(0).padStart(6)}  (${(a / b).toFixed(2)}x)`;
  console.log(`run ${run}`);
  console.log(line("1 thread   ", ours.one, raw.one));
  console.log(line(`${THREADS} threads `, ours.many, raw.many));
}
redis.disconnect();
await spool.close();
process.exit(0);

/**
 * The relay at real pacing (issue 17): `bun test/bench/paced-bench.ts [answers] [chunks] [gap_ms]`.
 * N concurrent answers of `chunks` deltas `gap_ms` apart (spool/echo), each followed by its POST
 * stream and one `GET …/stream` follower, against a Spool node in its own process (embedded
 * workers, as `npm start` runs) on a Redis in its own process; then the same fan-out from a bare
 * Bun SSE server with no durability (support/raw-sse-server.ts). Prints chunks delivered, the
 * run's wall time against the pacing floor (chunks × gap), and server CPU per delivered chunk
 * (utime + stime from /proc, Redis apart), with Spool/raw ratios. Defaults: 1,000 × 100 at 10 ms,
 * three runs (`--runs=N`); `--profile=<dir>` writes the node's CPU profile (`bun --cpu-prof-md`);
 * `--workers=external` leaves the persist / backfill / embed workers out of the node.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { spawn } from "bun";
import { Redis } from "ioredis";
import { startNode } from "../support/node-launcher.ts";
import { freshPrefix, startRedis } from "../support/redis.ts";

const FLAGS = process.argv.slice(2).filter((a) => a.startsWith("--"));
const POSITIONAL = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const ANSWERS = Number(POSITIONAL[0] ?? 1000);
const CHUNKS = Number(POSITIONAL[1] ?? 100);
const GAP_MS = Number(POSITIONAL[2] ?? 10);
/**
 * Bun's fetch opens at most 256 connections at once by default; 1,000 answers need 2,000 (origin +
 * follower), and the followers alone would hold every slot while the sends wait. Re-run this
 * script with the limit raised when the caller did not raise it.
 */
const MAX_HTTP_REQUESTS = String(Math.max(256, ANSWERS * 2 + 64));
if (process.env.BUN_CONFIG_MAX_HTTP_REQUESTS === undefined) {
  const child = spawn([process.execPath, ...process.argv.slice(1)], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_HTTP_REQUESTS },
    stdout: "inherit",
    stderr: "inherit",
  });
  process.exit(await child.exited);
}
/** `--profile=<dir>`: the Spool node writes a markdown CPU profile there (`bun --cpu-prof-md`). */
const PROFILE_DIR = FLAGS.find((f) => f.startsWith("--profile="))?.slice("--profile=".length);
/**
 * `--workers=external`: the node runs no persist / backfill / embed workers (jobs wait in BullMQ;
 * events are still durable in Redis before delivery), to show the relay's own CPU apart from the
 * embedded workers' share. The default is the node as `npm start` runs it.
 */
const WORKERS_EXTERNAL = FLAGS.includes("--workers=external");
/** Linux reports process times in clock ticks; 100 per second on every kernel we run on. */
const CLOCK_TICKS_PER_S = 100;
const SETUP_CONCURRENCY = 50;
const DELTA_MARK = "event: block.delta";

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime are fields 14 and 15 of stat; after the ") " split they are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

/** Counts delta frames in an SSE body until it ends or `stopAt` is seen, then cancels it. */
async function countDeltas(response: Response, stopAt: string | null): Promise<number> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let count = 0;
  let carry = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return count;
    const text = carry + decoder.decode(value, { stream: true });
    count += text.split(DELTA_MARK).length - 1;
    // Keep a tail shorter than the marker, so a marker cut across reads is counted once.
    carry = text.slice(-(DELTA_MARK.length - 1));
    if (carry.includes("event: ")) carry = carry.slice(carry.lastIndexOf("event: ") + 1);
    if (stopAt && text.includes(stopAt)) {
      await reader.cancel();
      return count;
    }
  }
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** 5 s: the warm-up's persist / backfill / embed jobs (and the tokenizer's one-time load) finish first. */
const WARMUP_SETTLE_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function send(
  base: string,
  auth: Record<string, string>,
  id: string,
  chunks: number,
  gapMs: number,
) {
  return fetch(`${base}/v1/threads/${id}/messages`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      content: `[chunks=${chunks}][delay_ms=${gapMs}] go`,
      model: "spool/echo",
      stream: true,
      max_tokens: chunks * 4,
    }),
  });
}

interface RunResult {
  delivered: number;
  wallMs: number;
  serverCpuS: number;
  redisCpuS: number;
  /** Redis commands run during the measured part, by name (scripts count as evalsha). */
  redisCalls: Map<string, number>;
}

/** Calls per command from `INFO commandstats` (the bench's own Redis: nothing else uses it). */
async function commandStats(url: string): Promise<Map<string, number>> {
  const redis = new Redis(url);
  try {
    const info = await redis.info("commandstats");
    const calls = new Map<string, number>();
    for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
      calls.set(match[1]!, Number(match[2]));
    }
    return calls;
  } finally {
    redis.disconnect();
  }
}

function callsSince(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([name, n]) => [name, n - (before.get(name) ?? 0)]));
}

async function runSpool(): Promise<RunResult> {
  const redis = await startRedis();
  const node = await startNode({
    redisUrl: redis.url,
    prefix: freshPrefix("paced"),
    runtimeArgs: PROFILE_DIR
      ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${PROFILE_DIR}`]
      : [],
    // The bench is one tenant's backend (secret key): only the tenant bucket applies; raise it
    // and the stream cap so the limiter is not what is measured here (limiter-bench.ts does that).
    env: {
      LOG_LEVEL: "warn",
      RATE_LIMIT_TENANT_SENDS_PER_MIN: "1000000",
      STREAM_CAP_TENANT: "100000",
      ...(WORKERS_EXTERNAL ? { WORKERS: "external" } : {}),
    },
  });
  const auth = { authorization: `Bearer ${node.secretKey}`, "content-type": "application/json" };
  try {
    const threads: string[] = [];
    await inBatches(
      Array.from({ length: ANSWERS }, (_, i) => i),
      SETUP_CONCURRENCY,
      async (i) => {
        const response = await fetch(`${node.url}/v1/threads`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ end_user_id: `bench_${i % 100}` }),
        });
        threads.push(((await response.json()) as { id: string }).id);
      },
    );
    // Warm-up: the first turns pay for JIT, connections and the workers' first jobs.
    await inBatches(threads.slice(0, SETUP_CONCURRENCY), SETUP_CONCURRENCY, async (id) => {
      await countDeltas(await send(node.url, auth, id, 5, 1), null);
    });
    await sleep(WARMUP_SETTLE_MS);
    const [cpu0, redis0] = [cpuSeconds(node.pid), cpuSeconds(redis.process.pid)];
    const calls0 = await commandStats(redis.url);
    const started = performance.now();
    const counts = await Promise.all(
      threads.map(async (id) => {
        const follower = await fetch(`${node.url}/v1/threads/${id}/stream`, { headers: auth });
        const following = countDeltas(follower, "event: message.completed");
        const origin = await send(node.url, auth, id, CHUNKS, GAP_MS);
        return (await countDeltas(origin, null)) + (await following);
      }),
    );
    const wallMs = performance.now() - started;
    return {
      delivered: counts.reduce((a, b) => a + b, 0),
      wallMs,
      serverCpuS: cpuSeconds(node.pid) - cpu0,
      redisCpuS: cpuSeconds(redis.process.pid) - redis0,
      redisCalls: callsSince(calls0, await commandStats(redis.url)),
    };
  } finally {
    await node.stop();
    await redis.stop();
  }
}

async function runRaw(): Promise<RunResult> {
  const child = spawn([process.execPath, resolve(import.meta.dir, "support/raw-sse-server.ts")], {
    stdout: "pipe",
    stderr: "ignore",
  });
  try {
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    const port = Number(/port (\d+)/.exec(new TextDecoder().decode(value))?.[1]);
    const base = `http://127.0.0.1:${port}`;
    const cpu0 = cpuSeconds(child.pid);
    const started = performance.now();
    const counts = await Promise.all(
      Array.from({ length: ANSWERS }, async (_, i) => {
        const follower = await fetch(`${base}/follow/t${i}`);
        const following = countDeltas(follower, null);
        const turn = await fetch(`${base}/turn/t${i}?chunks=${CHUNKS}&gap_ms=${GAP_MS}`, {
          method: "POST",
        });
        return (await countDeltas(turn, null)) + (await following);
      }),
    );
    const wallMs = performance.now() - started;
    return {
      delivered: counts.reduce((a, b) => a + b, 0),
      wallMs,
      serverCpuS: cpuSeconds(child.pid) - cpu0,
      redisCpuS: 0,
      redisCalls: new Map(),
    };
  } finally {
    child.kill();
    await child.exited;
  }
}

function line(label: string, r: RunResult): string {
  const perChunkUs = (r.serverCpuS * 1e6) / Math.max(1, r.delivered);
  const redisUs = (r.redisCpuS * 1e6) / Math.max(1, r.delivered);
  const floorMs = CHUNKS * GAP_MS;
  return (
    `${label.padEnd(25)} delivered ${String(r.delivered).padStart(7)} / ${ANSWERS * CHUNKS * 2}  ` +
    `wall ${r.wallMs.toFixed(0).padStart(6)} ms (${(r.wallMs / floorMs).toFixed(2)}x the ${floorMs} ms floor)  ` +
    `server CPU ${perChunkUs.toFixed(1).padStart(5)} µs/chunk` +
    (r.redisCpuS > 0 ? ` + Redis ${redisUs.toFixed(1)} µs/chunk` : "") +
    (r.redisCalls.size > 0 ? `\n${" ".repeat(26)}Redis calls per chunk: ${callsLine(r)}` : "")
  );
}

/** The busiest commands, per delivered chunk: the round trips the relay pays. */
function callsLine(r: RunResult): string {
  const total = [...r.redisCalls.values()].reduce((a, b) => a + b, 0);
  const top = [...r.redisCalls].sort((a, b) => b[1] - a[1]).slice(0, 5);
  const per = (n: number) => (n / Math.max(1, r.delivered)).toFixed(3);
  return `${per(total)} (${top.map(([name, n]) => `${name} ${per(n)}`).join(", ")})`;
}

/** `--runs=N` (default 3): each run measures the raw baseline and then Spool, side by side. */
const RUNS = Number(FLAGS.find((f) => f.startsWith("--runs="))?.slice("--runs=".length) ?? 3);

console.log(
  `paced bench: ${ANSWERS} answers × ${CHUNKS} chunks, ${GAP_MS} ms apart, origin + 1 follower, ${RUNS} runs` +
    (WORKERS_EXTERNAL ? ", workers external (not counted)" : ", embedded workers"),
);
for (let run = 1; run <= RUNS; run++) {
  const raw = await runRaw();
  console.log(line(`#${run} raw Bun SSE (no dur.)`, raw));
  const spool = await runSpool();
  console.log(line(`#${run} Spool`, spool));
  const cpuRatio =
    spool.serverCpuS / Math.max(1, spool.delivered) / (raw.serverCpuS / Math.max(1, raw.delivered));
  console.log(
    `#${run} Spool / raw: server CPU per chunk ${cpuRatio.toFixed(2)}x, wall ${(spool.wallMs / raw.wallMs).toFixed(2)}x`,
  );
}

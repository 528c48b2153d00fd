/**
 * The relay at real pacing (issue 17): `bun test/bench/paced-bench.ts [answers] [chunks] [gap_ms]`.
 * N concurrent answers of `chunks` deltas `gap_ms` apart (spool/echo), each followed by its POST
 * stream and one `GET …/stream` follower, against a Spool node in its own process (embedded
 * workers, as `npm start` runs) on a Redis in its own process; then the same fan-out from a bare
 * Bun SSE server with no durability (support/raw-sse-server.ts). Prints chunks delivered, the
 * run's wall time against the pacing floor (chunks × gap), and server CPU per delivered chunk
 * (utime + stime from /proc, Redis apart), with Spool/raw ratios. Each server runs the scenario
 * twice: a first pass, which pays JavaScriptCore's JIT compiling the hot path (over a second of
 * JIT-thread CPU on Spool's node, once per process), then the measured warm pass, the steady state
 * of a long-running node; both are printed, with the CPU split into the JS thread, the JIT
 * compiler threads and the GC / allocator helpers. Defaults: 1,000 × 100 at 10 ms,
 * three runs (`--runs=N`); `--profile=<dir>` writes the node's CPU profile (`bun --cpu-prof-md`);
 * `--workers=external` leaves the persist / backfill / embed workers out of the node.
 */
import { resolve } from "node:path";
import { spawn } from "bun";
import { Redis } from "ioredis";
import { startNode } from "../support/node-launcher.ts";
import { freshPrefix, startRedis } from "../support/redis.ts";
import {
  cpuByThreadKind,
  cpuSeconds,
  type ThreadKind,
  threadKindsSince,
} from "./support/proc-cpu.ts";

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
const SETUP_CONCURRENCY = 50;
const DELTA_MARK = "event: block.delta";

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
  /** The server's CPU by thread kind (support/proc-cpu.ts). */
  threads: Record<ThreadKind, number>;
  redisCpuS: number;
  /** Redis commands run during the measured part, by name (scripts count as evalsha). */
  redisCalls: Map<string, number>;
}

/** A server's two passes of the scenario: the first (JIT warming) and the warm, measured one. */
interface Passes {
  first: RunResult;
  warm: RunResult;
}

/** One pass of the scenario against a server process (and its Redis, when it has one). */
async function measurePass(
  serverPid: number,
  redisUrl: string | null,
  redisPid: number | null,
  scenario: () => Promise<number[]>,
): Promise<RunResult> {
  const [cpu0, threads0] = [cpuSeconds(serverPid), cpuByThreadKind(serverPid)];
  const redis0 = redisPid === null ? 0 : cpuSeconds(redisPid);
  const calls0 = redisUrl ? await commandStats(redisUrl) : new Map<string, number>();
  const started = performance.now();
  const counts = await scenario();
  const wallMs = performance.now() - started;
  return {
    delivered: counts.reduce((a, b) => a + b, 0),
    wallMs,
    serverCpuS: cpuSeconds(serverPid) - cpu0,
    threads: threadKindsSince(threads0, cpuByThreadKind(serverPid)),
    redisCpuS: redisPid === null ? 0 : cpuSeconds(redisPid) - redis0,
    redisCalls: redisUrl ? callsSince(calls0, await commandStats(redisUrl)) : new Map(),
  };
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

async function runSpool(): Promise<Passes> {
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
    const scenario = () =>
      Promise.all(
        threads.map(async (id) => {
          const follower = await fetch(`${node.url}/v1/threads/${id}/stream`, { headers: auth });
          const following = countDeltas(follower, "event: message.completed");
          const origin = await send(node.url, auth, id, CHUNKS, GAP_MS);
          return (await countDeltas(origin, null)) + (await following);
        }),
      );
    const first = await measurePass(node.pid, redis.url, redis.process.pid, scenario);
    await sleep(WARMUP_SETTLE_MS);
    const warm = await measurePass(node.pid, redis.url, redis.process.pid, scenario);
    return { first, warm };
  } finally {
    await node.stop();
    await redis.stop();
  }
}

async function runRaw(): Promise<Passes> {
  const child = spawn([process.execPath, resolve(import.meta.dir, "support/raw-sse-server.ts")], {
    stdout: "pipe",
    stderr: "ignore",
  });
  try {
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    const port = Number(/port (\d+)/.exec(new TextDecoder().decode(value))?.[1]);
    const base = `http://127.0.0.1:${port}`;
    let pass = 0;
    const scenario = () => {
      pass++;
      return Promise.all(
        Array.from({ length: ANSWERS }, async (_, i) => {
          const id = `p${pass}t${i}`;
          const follower = await fetch(`${base}/follow/${id}`);
          const following = countDeltas(follower, null);
          const turn = await fetch(`${base}/turn/${id}?chunks=${CHUNKS}&gap_ms=${GAP_MS}`, {
            method: "POST",
          });
          return (await countDeltas(turn, null)) + (await following);
        }),
      );
    };
    const first = await measurePass(child.pid, null, null, scenario);
    const warm = await measurePass(child.pid, null, null, scenario);
    return { first, warm };
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
    `wall ${r.wallMs.toFixed(0).padStart(6)} ms` +
    // Unpaced (gap 0) has no pacing floor to compare with.
    (floorMs > 0 ? ` (${(r.wallMs / floorMs).toFixed(2)}x the ${floorMs} ms floor)  ` : "  ") +
    `server CPU ${perChunkUs.toFixed(1).padStart(5)} µs/chunk` +
    (r.redisCpuS > 0 ? ` + Redis ${redisUs.toFixed(1)} µs/chunk` : "") +
    `\n${" ".repeat(26)}of which JS thread ${usPerChunk(r, r.threads.js)}, JIT compiler ${usPerChunk(r, r.threads.jit)}, GC/allocator helpers ${usPerChunk(r, r.threads.gc)}, other ${usPerChunk(r, r.threads.other)} µs/chunk` +
    (r.redisCalls.size > 0 ? `\n${" ".repeat(26)}Redis calls per chunk: ${callsLine(r)}` : "")
  );
}

const usPerChunk = (r: RunResult, seconds: number) =>
  ((seconds * 1e6) / Math.max(1, r.delivered)).toFixed(1);

const cpuPerChunk = (r: RunResult) => r.serverCpuS / Math.max(1, r.delivered);

function ratioLine(label: string, spool: RunResult, raw: RunResult): string {
  const cpu = cpuPerChunk(spool) / cpuPerChunk(raw);
  return `${label} Spool / raw: server CPU per chunk ${cpu.toFixed(2)}x, wall ${(spool.wallMs / raw.wallMs).toFixed(2)}x`;
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
  const spool = await runSpool();
  console.log(line(`#${run} raw, first pass`, raw.first));
  console.log(line(`#${run} Spool, first pass`, spool.first));
  console.log(ratioLine(`#${run} first pass`, spool.first, raw.first));
  console.log(line(`#${run} raw Bun SSE (no dur.)`, raw.warm));
  console.log(line(`#${run} Spool`, spool.warm));
  console.log(ratioLine(`#${run} warm pass (the figure)`, spool.warm, raw.warm));
}

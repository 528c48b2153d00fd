/**
 * The cost of the per-identity limits on the send path: sends/s through the real path (REST in
 * process → seam: bounds, rate-limit script on Redis, policy → actor → Redis tail → BullMQ job)
 * with end-user tokens, limits on (raised far above the load, so every send pays the check and
 * passes) against limits off (all RATE_LIMIT_* = 0: no Redis call), alternating, 3 runs each, in
 * one process. Run: `nice -n 10 bun test/bench/limiter-bench.ts`. Noisy on 2 cores: use the ratio.
 */
import { startSpool, type TestSpool } from "../support/spool.ts";

/** 16 end users, one thread each, 8 sequential sends in flight per thread: a busy node. */
const USERS = 16;
const IN_FLIGHT_PER_THREAD = 8;
/** Per measured run: long enough for a steady state, short enough for the 60 s budget. */
const SENDS_PER_RUN = 500;
const RUNS = 3;

const ON = {
  RATE_LIMIT_SENDS_PER_END_USER: "100000000",
  RATE_LIMIT_SENDS_PER_TENANT: "100000000",
  RATE_LIMIT_REQUESTS_PER_END_USER: "100000000",
};
const OFF = {
  RATE_LIMIT_SENDS_PER_END_USER: "0",
  RATE_LIMIT_SENDS_PER_TENANT: "0",
  RATE_LIMIT_REQUESTS_PER_END_USER: "0",
};

interface Rig {
  spool: TestSpool;
  users: { token: string; threadId: string }[];
}

async function rig(env: Record<string, string>): Promise<Rig> {
  const spool = await startSpool(env);
  const users = [];
  for (let i = 0; i < USERS; i++) {
    const { body: token } = await spool.json("POST", "/v1/end_user_tokens", {
      end_user_id: `u${i}`,
    });
    const { body: thread } = await spool.json("POST", "/v1/threads", { end_user_id: `u${i}` });
    users.push({ token: token.token as string, threadId: thread.id as string });
  }
  return { spool, users };
}

async function run({ spool, users }: Rig, label: string): Promise<number> {
  let next = 0;
  let refused = 0;
  const worker = async (user: { token: string; threadId: string }) => {
    while (next < SENDS_PER_RUN) {
      const n = next++;
      const response = await spool.call(
        "POST",
        `/v1/threads/${user.threadId}/messages`,
        { content: `${label} message ${n}` },
        user.token,
      );
      if (response.status !== 201) refused++;
      await response.arrayBuffer();
    }
  };
  const started = performance.now();
  await Promise.all(
    users.flatMap((user) => Array.from({ length: IN_FLIGHT_PER_THREAD }, () => worker(user))),
  );
  const seconds = (performance.now() - started) / 1000;
  if (refused > 0) throw new Error(`${label}: ${refused} sends were refused; raise the limits`);
  return SENDS_PER_RUN / seconds;
}

const on = await rig(ON);
const off = await rig(OFF);
// Warm-up: JIT, SQLite pages, Redis scripts loaded on both.
await run(on, "warm");
await run(off, "warm");
const rates = { on: [] as number[], off: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  rates.off.push(await run(off, "off"));
  rates.on.push(await run(on, "on"));
}
await on.spool.close();
await off.spool.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
console.log(`sends/s with limits off: ${fmt(rates.off)} (median ${median(rates.off).toFixed(0)})`);
console.log(`sends/s with limits on:  ${fmt(rates.on)} (median ${median(rates.on).toFixed(0)})`);
console.log(`ratio on/off (medians): ${(median(rates.on) / median(rates.off)).toFixed(3)}`);
process.exit(0);

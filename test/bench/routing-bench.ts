/**
 * The cost of routing, on three Spool processes sharing one Redis: sends and streams through the
 * owner vs through a non-owner (forwarded over /internal, events back through the live bus), and
 * takeover time after kill -9 of the owner. Run: `bun test/bench/routing-bench.ts` (not part of
 * `bun test`). Numbers are noisy on 2 cores with 3 nodes + Redis on them; read the ratios.
 */
import { connectRedis } from "../../src/adapters/redis/connection.ts";
import { RedisKeys } from "../../src/adapters/redis/keys.ts";
import { RedisLeaseStore } from "../../src/adapters/redis/redis-lease-store.ts";
import { startRedis } from "../support/redis.ts";
import { ShardLauncher } from "../support/shard-launcher.ts";
import { FINAL_TYPES, SseReader } from "../support/sse-client.ts";

/** 400 sequential sends per path: 4 samples above the p99. */
const LATENCY_SAMPLES = 400;
/** 3,000 appends, 64 in flight: a busy thread, well under Bun's 256-connection fetch pool. */
const THROUGHPUT_SENDS = 3000;
const THROUGHPUT_CONCURRENCY = 64;
/** 40 streams of 20 chunks with no model delay: routing cost, not model pacing. */
const STREAMS = 40;
const TAKEOVER_CYCLES = Number(process.env.TAKEOVER_CYCLES ?? 10);
const TTL_MS = 1000;

const redisServer = await startRedis();
const nodes = new ShardLauncher(redisServer.url, { LEASE_TTL_MS: String(TTL_MS) });
await nodes.start(3);
const redis = connectRedis(redisServer.url);
const leases = new RedisLeaseStore(redis, new RedisKeys(nodes.prefix));

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}
const ms = (v: number) => `${v.toFixed(2)} ms`;

async function newOwnedThread(): Promise<{ id: string; owner: number; other: number }> {
  const id = (
    (await (await nodes.fetch(0, "POST", "/v1/threads", { end_user_id: "b" })).json()) as {
      id: string;
    }
  ).id;
  await nodes.fetch(0, "POST", `/v1/threads/${id}/messages`, { content: "own" });
  const lease = (await leases.owner(id))!;
  const owner = nodes.nodes.findIndex((n) => n.nodeId === lease.nodeId);
  return { id, owner, other: (owner + 1) % 3 };
}

async function sendLatency(node: number, threadId: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t0 = performance.now();
    const r = await nodes.fetch(node, "POST", `/v1/threads/${threadId}/messages`, {
      content: `l${i}`,
    });
    await r.arrayBuffer();
    out.push(performance.now() - t0);
  }
  return out;
}

async function throughput(node: number, threadId: string): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < THROUGHPUT_SENDS) {
      const i = next++;
      await (
        await nodes.fetch(node, "POST", `/v1/threads/${threadId}/messages`, { content: `t${i}` })
      ).arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: THROUGHPUT_CONCURRENCY }, worker));
  return THROUGHPUT_SENDS / ((performance.now() - t0) / 1000);
}

async function streamTimes(
  node: number,
  threadId: string,
): Promise<{ first: number[]; total: number[] }> {
  const first: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < STREAMS; i++) {
    const t0 = performance.now();
    const reader = new SseReader(
      nodes.fetch(node, "POST", `/v1/threads/${threadId}/messages`, {
        content: "s [chunks=20][delay_ms=0]",
        model: "spool/echo",
        stream: true,
      }),
    );
    await reader.until((e) => e.some((x) => x.type === "block.delta"));
    first.push(performance.now() - t0);
    await reader.until((e) =>
      e.some(
        (x) =>
          FINAL_TYPES.has(x.type) &&
          x.data.message !== undefined &&
          (x.data.message as { role: string }).role === "assistant",
      ),
    );
    total.push(performance.now() - t0);
    await reader.done;
  }
  return { first, total };
}

async function takeover(): Promise<number[]> {
  const times: number[] = [];
  for (let cycle = 0; cycle < TAKEOVER_CYCLES; cycle++) {
    const { id, owner, other } = await newOwnedThread();
    const lease = (await leases.owner(id))!;
    const follower = new SseReader(nodes.fetch(other, "GET", `/v1/threads/${id}/stream`));
    await Bun.sleep(100);
    const killedAt = performance.now();
    nodes.kill9(owner);
    for (;;) {
      const now = await leases.owner(id);
      if (now && now.epoch > lease.epoch) break;
      await Bun.sleep(5);
    }
    times.push(performance.now() - killedAt);
    void follower.done;
    await nodes.restart(owner);
  }
  return times;
}

const line = (label: string, viaOwner: number[], viaOther: number[]) =>
  console.log(
    `${label.padEnd(22)} owner p50 ${ms(pct(viaOwner, 50))} p99 ${ms(pct(viaOwner, 99))} | non-owner p50 ${ms(pct(viaOther, 50))} p99 ${ms(pct(viaOther, 99))} | added p50 ${ms(pct(viaOther, 50) - pct(viaOwner, 50))} p99 ${ms(pct(viaOther, 99) - pct(viaOwner, 99))}`,
  );

try {
  const t = await newOwnedThread();
  await sendLatency(t.owner, t.id); // warm-up both paths
  await sendLatency(t.other, t.id);
  line("send (append)", await sendLatency(t.owner, t.id), await sendLatency(t.other, t.id));
  const ownerRate = await throughput(t.owner, t.id);
  const otherRate = await throughput(t.other, t.id);
  console.log(
    `send throughput        owner ${ownerRate.toFixed(0)}/s | non-owner ${otherRate.toFixed(0)}/s | ratio ${(otherRate / ownerRate).toFixed(2)}`,
  );
  const s = await newOwnedThread();
  const viaOwner = await streamTimes(s.owner, s.id);
  const viaOther = await streamTimes(s.other, s.id);
  line("stream first delta", viaOwner.first, viaOther.first);
  line("stream to final", viaOwner.total, viaOther.total);
  const times = await takeover();
  console.log(
    `takeover after kill -9 (TTL ${TTL_MS} ms, ${TAKEOVER_CYCLES} cycles): median ${ms(pct(times, 50))} max ${ms(Math.max(...times))}`,
  );
} finally {
  await nodes.stopAll();
  redis.disconnect();
  await redisServer.stop();
}

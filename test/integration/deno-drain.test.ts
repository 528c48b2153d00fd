// The Deno entry shares the drain: SIGTERM in the middle of an answer lets it complete, and the
// process exits 0 on its own (same serve() core and process lifecycle as Bun).
import { expect, test } from "bun:test";
import { startNode } from "../support/node-launcher.ts";
import { freshPrefix, testRedis } from "../support/redis.ts";
import { FINAL_TYPES, SseReader } from "../support/sse-client.ts";

test("Deno: SIGTERM mid-answer drains, the answer completes, exit 0", async () => {
  const redis = await testRedis();
  const node = await startNode({
    redisUrl: redis.url,
    prefix: freshPrefix("deno-drain"),
    runtime: "deno",
    env: { SHUTDOWN_GRACE_MS: "15000" },
  });
  try {
    const headers = {
      authorization: `Bearer ${node.secretKey}`,
      "content-type": "application/json",
    };
    const created = await fetch(`${node.url}/v1/threads`, {
      method: "POST",
      headers,
      body: JSON.stringify({ end_user_id: "u1" }),
    });
    const { id } = (await created.json()) as { id: string };
    const reader = new SseReader(
      fetch(`${node.url}/v1/threads/${id}/messages`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          content: "x [chunks=100] [delay_ms=15]",
          model: "spool/echo",
          stream: true,
        }),
      }),
    );
    expect(await reader.until((e) => e.some((x) => x.type === "block.delta"))).toBe(true);
    node.signal("SIGTERM");
    expect(await reader.until((e) => e.some((x) => FINAL_TYPES.has(x.type)), 20_000)).toBe(true);
    const final = reader.events.find((e) => FINAL_TYPES.has(e.type))!;
    expect(final.type).toBe("message.completed");
    expect(reader.events.filter((e) => e.type === "block.delta").length).toBe(100);
    expect(await node.exited()).toBe(0);
  } finally {
    if (node.alive) await node.kill("SIGKILL");
  }
}, 60_000);

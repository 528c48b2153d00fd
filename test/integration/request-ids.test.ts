// Request ids end to end on a real process: an `X-Request-Id` sent in comes back on the response,
// in the error body (`error.request_id`) and on the JSON access log line (with tenant, route
// template, status and duration); an invalid one is replaced by a generated id; LOG_LEVEL=debug
// adds detail to the access line.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type SpoolNode, startNode } from "../support/node-launcher.ts";
import { freshPrefix, testRedis } from "../support/redis.ts";

let node: SpoolNode;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const redis = await testRedis();
  node = await startNode({
    redisUrl: redis.url,
    prefix: freshPrefix("reqid"),
    env: { LOG_LEVEL: "debug" },
    onLog: (line) => {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line (a runtime warning): not ours to check
      }
    },
  });
}, 60_000);
afterAll(() => node?.stop());

const get = (path: string, requestId?: string) =>
  fetch(`${node.url}${path}`, {
    headers: {
      authorization: `Bearer ${node.secretKey}`,
      ...(requestId === undefined ? {} : { "x-request-id": requestId }),
    },
  });

async function accessLine(requestId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const line = lines.find((l) => l.msg === "request" && l.request_id === requestId);
    if (line) return line;
    await Bun.sleep(20);
  }
  throw new Error(`no access log line for ${requestId}`);
}

test("a request id sent in is on the response, in the error body and on the log line", async () => {
  const id = "client-req.42_A";
  const response = await get("/v1/threads/thr_missing", id);
  expect(response.status).toBe(404);
  expect(response.headers.get("x-request-id")).toBe(id);
  const body = (await response.json()) as { error: { code: string; request_id: string } };
  expect(body.error.code).toBe("not_found");
  expect(body.error.request_id).toBe(id);
  const line = await accessLine(id);
  expect(line.level).toBe("info");
  expect(line.route).toBe("/v1/threads/:id");
  expect(line.status).toBe(404);
  expect(line.method).toBe("GET");
  expect(String(line.tenant)).toStartWith("ten_");
  expect(typeof line.duration_ms).toBe("number");
  // debug detail
  expect(line.path).toBe("/v1/threads/thr_missing");
});

test("invalid request ids are replaced by generated ones; none sent gets one too", async () => {
  const bad = ["has space", "x".repeat(129), "ümlaut", "a/b", "<script>", ""];
  const seen = new Set<string>();
  for (const given of [...bad, undefined]) {
    const response = await get("/v1/threads?end_user_id=u1", given);
    expect(response.status).toBe(200);
    const id = response.headers.get("x-request-id")!;
    expect(id).toMatch(/^req_[A-Za-z0-9]{24}$/);
    expect(id).not.toBe(given);
    seen.add(id);
    await accessLine(id);
  }
  expect(seen.size).toBe(bad.length + 1);
  // Exactly 128 allowed characters are kept.
  const longest = "a.b-c_".repeat(21).slice(0, 128);
  expect((await get("/healthz", longest)).headers.get("x-request-id")).toBe(longest);
});

test("an unknown route is logged as unmatched (no raw path as a label) and keeps the id", async () => {
  const response = await get("/no/such/path/123", "probe-1");
  expect(response.status).toBe(404);
  expect(((await response.json()) as { error: { request_id: string } }).error.request_id).toBe(
    "probe-1",
  );
  expect((await accessLine("probe-1")).route).toBe("unmatched");
});

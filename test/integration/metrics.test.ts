// /metrics through a strict Prometheus text parser (test/support/prom-text.ts): every family of
// API.md § Operations is there, and the request histogram, turn, token, first-token, checkpoint,
// lease and stream counters move when a client uses the API. Route labels are templates, never
// raw paths.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BunServer } from "../../src/serve-bun.ts";
import { type Family, parsePrometheus, sampleValue } from "../support/prom-text.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { FINAL_TYPES, SseReader } from "../support/sse-client.ts";

let spool: TestSpool;
let server: BunServer;
let base: string;

beforeAll(async () => {
  spool = await startSpool();
  server = await spool.listen();
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => spool.close());

const FAMILIES = {
  spool_http_requests_total: "counter",
  spool_http_request_duration_seconds: "histogram",
  spool_turns_total: "counter",
  spool_time_to_first_token_seconds: "histogram",
  spool_tokens_total: "counter",
  spool_stream_connections: "gauge",
  spool_stream_events_delivered_total: "counter",
  spool_stream_resets_total: "counter",
  spool_checkpoint_write_duration_seconds: "histogram",
  spool_queue_jobs: "gauge",
  spool_jobs_failed_total: "counter",
  spool_jobs_dead_lettered_total: "counter",
  spool_search_vectors_reembedded_total: "counter",
  spool_rate_limited_total: "counter",
  spool_leases_taken_total: "counter",
  spool_leases_lost_total: "counter",
  spool_actors: "gauge",
  process_cpu_seconds_total: "counter",
  process_resident_memory_bytes: "gauge",
} as const;

async function scrape(): Promise<Map<string, Family>> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  return parsePrometheus(await response.text());
}

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${spool.secretKey}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

test("every family is exposed with its type", async () => {
  const families = await scrape();
  for (const [name, type] of Object.entries(FAMILIES)) {
    expect(`${name} ${families.get(name)?.type}`).toBe(`${name} ${type}`);
  }
  // Queue depth is reported per queue and state even when empty.
  const queues = families.get("spool_queue_jobs")!.samples;
  expect(
    queues.some((s) => s.labels.queue === "persist-message" && s.labels.state === "waiting"),
  ).toBe(true);
});

test("requests, turns, tokens, first tokens, checkpoints, leases and streams are counted", async () => {
  const before = await scrape();
  const route = { route: "/v1/threads", method: "POST", status: "201" };
  const created = await call("POST", "/v1/threads", { end_user_id: "u1" });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const follower = new SseReader(call("GET", `/v1/threads/${id}/stream`));
  const sent = await call("POST", `/v1/threads/${id}/messages`, {
    content: "hi [chunks=5]",
    model: "spool/echo",
  });
  expect(sent.status).toBe(200);
  expect(await follower.until((events) => events.some((e) => FINAL_TYPES.has(e.type)))).toBe(true);
  await call("GET", "/no/such/route/123456");
  await call("GET", `/v1/threads/${id}/messages/99`);
  const after = await scrape();

  const delta = (name: string, labels: Record<string, string> = {}) =>
    sampleValue(after, name, labels) - sampleValue(before, name, labels);
  expect(delta("spool_http_request_duration_seconds_count", route)).toBe(1);
  expect(delta("spool_http_requests_total", route)).toBe(1);
  expect(delta("spool_http_requests_total", { route: "unmatched", status: "404" })).toBe(1);
  expect(
    delta("spool_http_requests_total", { route: "/v1/threads/:id/messages/:seq", status: "404" }),
  ).toBe(1);
  // No raw path ever becomes a label value.
  for (const s of after.get("spool_http_requests_total")!.samples) {
    expect(s.labels.route).not.toContain(id);
    expect(s.labels.route).not.toContain("123456");
  }
  expect(delta("spool_turns_total", { model: "spool/echo", status: "completed" })).toBe(1);
  expect(delta("spool_tokens_total", { provider: "spool", direction: "output" })).toBeGreaterThan(
    0,
  );
  expect(delta("spool_tokens_total", { provider: "spool", direction: "input" })).toBeGreaterThan(0);
  expect(delta("spool_time_to_first_token_seconds_count", { model: "spool/echo" })).toBe(1);
  expect(delta("spool_checkpoint_write_duration_seconds_count")).toBeGreaterThan(0);
  expect(delta("spool_leases_taken_total")).toBeGreaterThanOrEqual(1);
  expect(delta("spool_stream_events_delivered_total", { transport: "sse" })).toBeGreaterThan(5);
  expect(
    sampleValue(after, "spool_stream_connections", { transport: "sse" }),
  ).toBeGreaterThanOrEqual(1);
  expect(sampleValue(after, "spool_actors")).toBeGreaterThanOrEqual(1);
});

test("the parser is strict: it refuses a broken exposition", () => {
  expect(() => parsePrometheus("foo 1\n")).toThrow(/undeclared/);
  expect(() => parsePrometheus('# TYPE a counter\na{x="1",x="2"} 1\n')).toThrow(/repeated/);
  expect(() =>
    parsePrometheus(
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    ),
  ).toThrow(/cumulative/);
  expect(() => parsePrometheus("# TYPE a gauge\na{b=1} 1\n")).toThrow(/label/);
});

// The bounded idle timeout never cuts a legitimate silent wait: serve() lifts it (the socket
// runtime's `holdOpen`) for a `stream:false` turn once its body is read, and only then. Checked on
// the runtime-neutral core with a recording socket runtime, and on Bun that a lifted request
// outlives the idle timeout while a plain one does not.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ListenSpec, type SocketRuntime, serve } from "../../src/serve.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

let spool: TestSpool;
let spec: ListenSpec | null = null;
const recording: SocketRuntime = {
  name: "bun",
  listen(given) {
    spec ??= given;
    return { port: 1, stop: async () => undefined };
  },
};

beforeAll(async () => {
  spool = await startSpool();
  serve(spool.runtime, recording, 1);
});
afterAll(() => spool.close());

async function lifted(method: string, path: string, body?: unknown): Promise<boolean> {
  let lift = false;
  const request = new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { authorization: `Bearer ${spool.secretKey}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const response = await spec!.fetch(
    request,
    () => undefined,
    () => {
      lift = true;
    },
  );
  expect(response!.status).toBeLessThan(300);
  await response!.text();
  return lift;
}

test("only a waiting send lifts the idle timeout", async () => {
  expect(spec!.idleTimeoutS).toBe(120);
  const thread = (await spool.json<{ id: string }>("POST", "/v1/threads", { end_user_id: "u" }))
    .body.id;
  const path = `/v1/threads/${thread}/messages`;
  expect(await lifted("POST", path, { content: "hi [chunks=2]", model: "spool/echo" })).toBe(true);
  expect(await lifted("POST", path, { content: "no model" })).toBe(false);
  expect(await lifted("GET", `/v1/threads/${thread}`)).toBe(false);
  expect(await lifted("GET", "/v1/threads")).toBe(false);
});

test("on Bun a lifted request outlives the idle timeout, and the bound comes back after it", async () => {
  // Bun's idle timer ticks every ~4 s: 2 s of idleness is noticed at the next tick, well before 7 s.
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 2,
    async fetch(request, srv) {
      const held = new URL(request.url).pathname === "/held";
      if (held) srv.timeout(request, 0);
      await Bun.sleep(7000);
      if (held) srv.timeout(request, 2);
      return new Response("done");
    },
  });
  const get = (path: string) =>
    fetch(`http://127.0.0.1:${server.port}${path}`).then(
      (r) => r.text(),
      () => "cut",
    );
  try {
    expect(await get("/plain")).toBe("cut");
    expect(await get("/held")).toBe("done");
    expect(await get("/plain")).toBe("cut"); // same keep-alive connection: bounded again
  } finally {
    server.stop(true);
  }
}, 40_000);

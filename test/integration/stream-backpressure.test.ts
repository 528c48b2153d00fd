// A slow subscriber cannot grow server memory past its bound: a WebSocket client that stops
// reading during a big fast stream leaves at most MAX_SUBSCRIBER_BUFFER_BYTES (plus one write) in
// the server's send buffer; once it reads again it catches up and gets every event exactly once.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BunServer } from "../../src/serve-bun.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

/**
 * 64 KiB bound; seven answers of 16,000 chunks (~15 MB, each under spool/echo's 16,384-chunk cap)
 * are far past it and past the kernel socket buffers.
 */
const BOUND_BYTES = 64 * 1024;
/** One slice of a delivery (64 KiB, actors/subscription.ts) may land after the check. */
const SLACK_BYTES = 64 * 1024 + 16 * 1024;
const CHUNKS = 16_000;
const TURNS = 7;
/** The last assistant message: turn k has user seq 2k − 1 and assistant seq 2k. */
const FINAL_SEQ = 2 * TURNS;
/** 3 s of sampling after the turn: long enough for catch-up to fill the kernel and stall. */
const SAMPLE_AFTER_MS = 3000;

let spool: TestSpool;
let server: BunServer;

beforeAll(async () => {
  spool = await startSpool({ MAX_SUBSCRIBER_BUFFER_BYTES: String(BOUND_BYTES) });
  server = await spool.listen();
});
afterAll(() => spool.close());

async function lines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n");
    while (end >= 0) {
      onLine(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      end = buffer.indexOf("\n");
    }
  }
}

test("a frozen WS reader stays bounded, then catches up exactly once, in order", async () => {
  const threadId = (await spool.json("POST", "/v1/threads", { end_user_id: "u1" })).body
    .id as string;
  const url = `ws://127.0.0.1:${server.port}/v1/ws?token=${spool.secretKey}`;
  const client = Bun.spawn(
    [
      process.execPath,
      `${import.meta.dir}/../support/slow-ws-client.ts`,
      url,
      threadId,
      String(FINAL_SEQ),
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((r) => {
    ready = r;
  });
  let result = "";
  const output = lines(client.stdout, (line) => {
    if (line === "ready") ready();
    else result = line;
  });
  await isReady;
  client.kill("SIGSTOP"); // nothing reads the socket any more

  const turn = (async () => {
    for (let k = 0; k < TURNS; k++) {
      await spool.json("POST", `/v1/threads/${threadId}/messages`, {
        content: `[chunks=${CHUNKS}] [delay_ms=0]`,
        model: "spool/echo",
        max_tokens: CHUNKS,
      });
    }
  })();
  let maxBuffered = 0;
  let finished = false;
  void turn.then(() => {
    finished = true;
  });
  // Sample while the turn runs and for a while after: the frozen socket first fills the kernel's
  // buffers (several MB on loopback), catch-up from the checkpoint continues after the turn.
  let stopAt = Number.POSITIVE_INFINITY;
  while (Date.now() < stopAt) {
    maxBuffered = Math.max(maxBuffered, server.wsBufferedBytes());
    if (finished && stopAt === Number.POSITIVE_INFINITY) stopAt = Date.now() + SAMPLE_AFTER_MS;
    await Bun.sleep(2);
  }
  for (let seq = 2; seq <= FINAL_SEQ; seq += 2) {
    const stored = (await spool.json("GET", `/v1/threads/${threadId}/messages/${seq}`)).body;
    expect([seq, stored.status, stored.error]).toEqual([seq, "completed", null]);
  }
  expect(maxBuffered).toBeGreaterThan(0); // the frozen reader really backed the socket up
  expect(maxBuffered).toBeLessThanOrEqual(BOUND_BYTES + SLACK_BYTES);

  client.kill("SIGCONT");
  await output;
  expect(await client.exited).toBe(0);
  const { cursors, bytes } = JSON.parse(result) as { cursors: string[]; bytes: number };
  for (let seq = 2; seq <= FINAL_SEQ; seq += 2) {
    const assistant = cursors.filter((c) => c.startsWith(`${seq}:`));
    expect(assistant.length).toBe(CHUNKS + 4);
    expect(assistant).toEqual(assistant.map((_, i) => `${seq}:${i}`));
  }
  expect(bytes).toBeGreaterThan(20 * (BOUND_BYTES + SLACK_BYTES));
}, 60_000);

/**
 * Streaming benchmark: `bun test/bench/stream-bench.ts`. One process: the servers (a raw Bun.serve
 * WebSocket baseline, and Spool with real Redis checkpoints) and their Bun WebSocket clients share
 * it, so figures include client cost on both sides; each Spool figure is printed next to its
 * same-run baseline. (a) deliveries/s at 1,000 concurrent streams, (b) added chunk latency at 100
 * streams (a bench-only provider stamps each delta with performance.now()), (c) replay of 10,000
 * buffered events to a reconnecting client; (b) also prints one bare Redis round trip after the same
 * idle gap, the floor a durable chunk pays on this machine, the p99 of the steady state apart from
 * each stream's first chunk, and the event-loop stalls of each run (support/loop-watch.ts); each
 * gap runs twice, with all streams starting together (in phase: one burst per gap) and with their
 * starts spread over one gap (independent users). `--short` runs a tenth of (a) and (b); `--only=c`
 * runs only the parts named.
 */
import type { Server } from "bun";
import { Redis } from "ioredis";
import { positionFromCursor } from "../../actors/event-entry.ts";
import type { ProviderRegistry } from "../../src/adapters/llm/provider-registry.ts";
import { parseStreamCursor } from "../../src/domain/stream-cursor.ts";
import { SseSink } from "../../src/http/sse-sink.ts";
import type { ModelProvider, ModelRequest, ModelStreamPart } from "../../src/ports/llm.ts";
import { testRedis } from "../support/redis.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { ChunkLatencies, stampOf, watchLoop } from "./support/loop-watch.ts";

/** `--short`: a tenth of the load, for a shared or loaded machine (figures are then indicative). */
const SHORT = process.argv.includes("--short");
/** `--only=c` (or `ab`, …): run only those parts. */
const ONLY = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length) ?? "abc";
const STREAMS_A = SHORT ? 100 : 1000;
// 500 chunks: a typical answer; a turn's setup (append, lease, context read) is paid once per stream.
const CHUNKS_A = SHORT ? 200 : 500;
const STREAMS_B = SHORT ? 20 : 100;
const CHUNKS_B = SHORT ? 50 : 100;
/** Gaps between stamped chunks: 5 ms (a fast model) and 20 ms (typical), to tell the per-chunk
 * path from queueing under load. */
const GAPS_B_MS = SHORT ? [5] : [5, 20];
let gapMs = 5;
const REPLAY_EVENTS = 10_000;
/** Round trips timed for the durability floor printed beside (b). */
const REDIS_TRIP_SAMPLES = 300;

type Frame = { type: string; cursor?: string; delta?: { text: string } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (x: number) => `${x.toFixed(3)} ms`;
const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;

function delta(thread: string, i: number, text: string): string {
  return JSON.stringify({
    type: "block.delta",
    thread_id: thread,
    cursor: `2:${i + 2}`,
    seq: 2,
    index: 0,
    delta: { type: "text_delta", text },
  });
}

/**
 * The floor of "durable before delivered" on this machine: one bare GET on the bench's Redis after
 * each pacing gap, from an otherwise idle loop. On a VM the round trip after an idle gap costs far
 * more than back to back (vCPU wake-up on both ends); every chunk pays one such trip.
 */
async function redisRoundTrips(samples: number, gap: number): Promise<number[]> {
  const redis = new Redis((await testRedis()).url);
  await redis.get("bench:rtt");
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    await sleep(gap);
    const t0 = performance.now();
    await redis.get("bench:rtt");
    times.push(performance.now() - t0);
  }
  redis.disconnect();
  return times;
}

/** Baseline: a bare Bun.serve WS that streams on request, no Spool logic. */
function rawServer(): Server<undefined> {
  return Bun.serve({
    port: 0,
    fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response("no", { status: 400 })),
    websocket: {
      async message(ws, msg) {
        const [kind, a, b] = String(msg).split(" ");
        if (kind === "replay") {
          const frames = Array.from({ length: Number(a) }, (_, i) => delta("thr_x", i, `w${i} `));
          ws.cork(() => {
            for (const f of frames) ws.send(f);
          });
          return;
        }
        for (let i = 0; i < Number(a); i++) {
          if (kind === "stamp") await sleep(Number(b));
          else if (i % 10 === 0) await Promise.resolve();
          ws.send(delta("thr_x", i, kind === "stamp" ? stampOf(i) : `w${i} `));
        }
        ws.send(JSON.stringify({ type: "message.completed" }));
      },
    },
  });
}

/**
 * SSE baseline for the replay: a bare Bun.serve that answers with the same 10,000 frames, built
 * once at start (no log, no cursor, no auth), as one stream.
 */
function rawSseServer(): Server<undefined> {
  const encoder = new TextEncoder();
  const frames = Array.from({ length: REPLAY_EVENTS }, (_, i) =>
    encoder.encode(`event: block.delta\nid: 2:${i + 2}\ndata: ${delta("thr_x", i, `w${i} `)}\n\n`),
  );
  const last = encoder.encode(
    'event: message.completed\nid: 2:99999\ndata: {"type":"message.completed"}\n\n',
  );
  return Bun.serve({
    port: 0,
    fetch: () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const frame of frames) controller.enqueue(frame);
            controller.enqueue(last);
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      ),
  });
}

/** Reads an SSE body until `marker` has arrived; the time from the request to that moment. */
async function sseUntil(url: string, headers: Record<string, string>, marker: string) {
  const started = performance.now();
  const response = await fetch(url, { headers });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let tail = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${marker}`);
    const text = tail + decoder.decode(value, { stream: true });
    if (text.includes(marker)) break;
    // Only the end is kept for the next read: the marker may be cut across two reads.
    tail = text.slice(-marker.length);
  }
  const elapsed = performance.now() - started;
  await reader.cancel();
  return elapsed;
}

/** Bench-only model: each delta's text is the time it left the model. */
class StampProvider implements ModelProvider {
  readonly name = "bench";
  readonly capabilities = { images: false, tools: false };
  models() {
    return ["stamp"];
  }
  async *stream(_request: ModelRequest): AsyncIterable<ModelStreamPart> {
    yield { type: "block_start", index: 0, block: { type: "text", text: "" } };
    for (let i = 0; i < CHUNKS_B; i++) {
      await sleep(gapMs);
      yield {
        type: "block_delta",
        index: 0,
        delta: { type: "text_delta", text: stampOf(i) },
      };
    }
    yield { type: "block_stop", index: 0 };
    yield { type: "stop", reason: "end_turn" };
  }
}

async function connect(
  url: string,
  n: number,
  onFrame: (i: number, f: Frame) => void,
): Promise<WebSocket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url);
          ws.onmessage = (e) => onFrame(i, JSON.parse(String(e.data)) as Frame);
          ws.onopen = () => resolve(ws);
          ws.onerror = () => reject(new Error("connect failed"));
        }),
    ),
  );
}

/** Runs `n` streams; resolves with {events, seconds} once every stream saw its final event. */
async function run(
  url: string,
  n: number,
  start: (ws: WebSocket, i: number) => void,
  onDelta?: (f: Frame) => void,
  /** Stream i starts i × spreadMs / n later (0: all at once). */
  spreadMs = 0,
) {
  let events = 0;
  let done = 0;
  let finish: () => void = () => undefined;
  const all = new Promise<void>((r) => {
    finish = r;
  });
  const sockets = await connect(url, n, (_i, f) => {
    if (f.type === "subscribed" || f.type === "ack") return;
    events++;
    if (f.type === "block.delta") onDelta?.(f);
    if (f.type === "message.completed" && ++done === n) finish();
  });
  const t0 = performance.now();
  for (const [i, ws] of sockets.entries()) {
    if (spreadMs > 0) setTimeout(() => start(ws, i), (i * spreadMs) / n);
    else start(ws, i);
  }
  await all;
  const seconds = (performance.now() - t0) / 1000;
  for (const ws of sockets) ws.close();
  return { events, seconds };
}

async function main(): Promise<void> {
  const raw = rawServer();
  const rawUrl = `ws://127.0.0.1:${raw.port}`;
  // The relay alone: workers (persist, tokens, embeddings) run as separate processes at scale
  // (WORKERS=external) and would otherwise share this process's CPU with the relay.
  const spool = await startSpool({
    MAX_SUBSCRIBER_BUFFER_BYTES: String(16 * 1024 * 1024),
    WORKERS: "external",
  });
  // deps.ts builds the catalog as a ProviderRegistry; the bench adds its stamping model to it.
  (spool.runtime.services.catalog as ProviderRegistry).register(new StampProvider());
  const server = await spool.listen();
  const wsUrl = `ws://127.0.0.1:${server.port}/v1/ws?token=${spool.secretKey}`;
  const threads = async (n: number) =>
    Promise.all(
      Array.from(
        { length: n },
        async () =>
          (await spool.json("POST", "/v1/threads", { end_user_id: "b" })).body.id as string,
      ),
    );

  if (ONLY.includes("a")) {
    // (a) throughput
    const base = await run(rawUrl, STREAMS_A, (ws) => ws.send(`chunks ${CHUNKS_A}`));
    const ids = await threads(STREAMS_A);
    const sp = await run(wsUrl, STREAMS_A, (ws, i) =>
      ws.send(
        JSON.stringify({
          type: "send",
          thread_id: ids[i],
          model: "spool/echo",
          content: `[chunks=${CHUNKS_A}] [delay_ms=0]`,
        }),
      ),
    );
    const rate = (r: { events: number; seconds: number }) => Math.round(r.events / r.seconds);
    console.log(`(a) ${STREAMS_A} streams x ${CHUNKS_A} chunks, 1 subscriber each:`);
    console.log(
      `    raw Bun.serve ceiling  ${rate(base).toLocaleString()} deliveries/s (${base.events} in ${base.seconds.toFixed(2)} s)`,
    );
    console.log(
      `    spool (checkpoints on) ${rate(sp).toLocaleString()} deliveries/s (${sp.events} in ${sp.seconds.toFixed(2)} s) = ${(rate(sp) / rate(base)).toFixed(2)} of ceiling (goal >= 0.5)`,
    );
  }
  if (ONLY.includes("b")) {
    // (b) latency
    const lat = (into: ChunkLatencies) => (f: Frame) => into.add(f.delta!.text);
    for (const gap of GAPS_B_MS) {
      gapMs = gap;
      // Together: every stream starts in the same millisecond and stays in phase, so each gap
      // brings all 100 chunks in one burst (the worst case). Spread: starts spread evenly over one
      // gap, as independent users' streams are.
      for (const spreadMs of [0, gap]) {
        const raw = new ChunkLatencies();
        const rawLoop = await watchLoop(() =>
          run(rawUrl, STREAMS_B, (ws) => ws.send(`stamp ${CHUNKS_B} ${gap}`), lat(raw), spreadMs),
        );
        const sp = new ChunkLatencies();
        const idsB = await threads(STREAMS_B);
        const send = (ws: WebSocket, i: number) =>
          ws.send(
            JSON.stringify({
              type: "send",
              thread_id: idsB[i],
              model: "bench/stamp",
              content: "go",
            }),
          );
        const spLoop = await watchLoop(() => run(wsUrl, STREAMS_B, send, lat(sp), spreadMs));
        const [rawLat, spLat] = [raw.all, sp.all];
        const starts = spreadMs === 0 ? "all starting together" : `starts spread over ${gap} ms`;
        console.log(
          `(b) chunk latency, ${STREAMS_B} streams x ${CHUNKS_B} chunks, ${gap} ms apart, ${starts} (model -> client):`,
        );
        console.log(`    raw Bun.serve  p50 ${ms(pct(rawLat, 0.5))}  p99 ${ms(pct(rawLat, 0.99))}`);
        console.log(`    spool          p50 ${ms(pct(spLat, 0.5))}  p99 ${ms(pct(spLat, 0.99))}`);
        console.log(
          `    added by spool p50 ${ms(pct(spLat, 0.5) - pct(rawLat, 0.5))}  p99 ${ms(pct(spLat, 0.99) - pct(rawLat, 0.99))} (goal p99 < 2 ms)`,
        );
        console.log(
          `    each stream's first chunk  spool p99 ${ms(pct(sp.first, 0.99))}, raw p99 ${ms(pct(raw.first, 0.99))}; the rest  spool p99 ${ms(pct(sp.rest, 0.99))}, raw p99 ${ms(pct(raw.rest, 0.99))}`,
        );
        console.log(
          `    event loop stalls > 3 ms during the run  spool ${spLoop.stalls} (longest ${ms(spLoop.longestMs)}), raw ${rawLoop.stalls} (longest ${ms(rawLoop.longestMs)})`,
        );
      }
      const trips = await redisRoundTrips(REDIS_TRIP_SAMPLES, gap);
      console.log(
        `    floor: one bare Redis GET after a ${gap} ms idle gap  p50 ${ms(pct(trips, 0.5))}  p99 ${ms(pct(trips, 0.99))}`,
      );
    }
  }
  if (ONLY.includes("c")) {
    // (c) replay of 10,000 buffered events (ring buffer) to a reconnecting client
    const [replayThread] = await threads(1);
    const chunks = REPLAY_EVENTS - 4;
    await spool.json("POST", `/v1/threads/${replayThread}/messages`, {
      content: `[chunks=${chunks}] [delay_ms=0]`,
      model: "spool/echo",
      // Past the default max_tokens: without it the answer ends incomplete, short of 10,000 events,
      // and the wait below for message.completed never ends.
      max_tokens: chunks,
    });
    const replayOnce = async (
      url: string,
      send: (ws: WebSocket) => void,
      last: (f: Frame) => boolean,
    ) => {
      let t0 = 0;
      let got = 0;
      let resolve: (ms: number) => void = () => undefined;
      const done = new Promise<number>((r) => {
        resolve = r;
      });
      const [ws] = await connect(url, 1, (_i, f) => {
        if (f.type === "subscribed") return;
        got++;
        if (last(f)) resolve(performance.now() - t0);
      });
      t0 = performance.now();
      send(ws!);
      const elapsed = await done;
      ws!.close();
      return { elapsed, got };
    };
    const rawTimes: number[] = [];
    const spTimes: number[] = [];
    for (let i = 0; i < 7; i++) {
      rawTimes.push(
        (
          await replayOnce(
            rawUrl,
            (ws) => ws.send(`replay ${REPLAY_EVENTS}`),
            (f) => f.cursor === `2:${REPLAY_EVENTS + 1}`,
          )
        ).elapsed,
      );
      const r = await replayOnce(
        wsUrl,
        (ws) =>
          ws.send(JSON.stringify({ type: "subscribe", thread_id: replayThread, after: "1:0" })),
        (f) => f.type === "message.completed",
      );
      if (r.got !== REPLAY_EVENTS) throw new Error(`replay delivered ${r.got} events`);
      spTimes.push(r.elapsed);
    }
    const serverTimes: number[] = [];
    for (let i = 0; i < 7; i++) serverTimes.push(await replayInProcess(spool, replayThread!));
    // The same replay to an SSE client (`GET …/stream?after=`, what the issue measured): frames
    // arrive coalesced per slice, next to a bare Bun SSE server sending the same frames.
    const rawSse = rawSseServer();
    const sseRaw: number[] = [];
    const sseSpool: number[] = [];
    const auth = { authorization: `Bearer ${spool.secretKey}` };
    for (let i = 0; i < 7; i++) {
      sseRaw.push(
        await sseUntil(`http://127.0.0.1:${rawSse.port}/`, {}, "event: message.completed"),
      );
      sseSpool.push(
        await sseUntil(
          `http://127.0.0.1:${server.port}/v1/threads/${replayThread}/stream?after=1:0`,
          auth,
          "event: message.completed",
        ),
      );
    }
    rawSse.stop(true);
    console.log(
      `(c) replay ${REPLAY_EVENTS.toLocaleString()} buffered events to a reconnecting client (median of 7, subscribe -> last event):`,
    );
    console.log(
      `    spool server side (follow -> SSE frames of all events queued, no socket) ${ms(pct(serverTimes, 0.5))} (goal ≤ 5 ms)`,
    );
    console.log(`    raw Bun.serve (prebuilt frames, corked) ${ms(pct(rawTimes, 0.5))}`);
    console.log(
      `    spool (ring buffer), WebSocket          ${ms(pct(spTimes, 0.5))} (one WS message per event)`,
    );
    console.log(`    raw Bun SSE (same frames, built once)   ${ms(pct(sseRaw, 0.5))}`);
    console.log(
      `    spool (ring buffer), SSE end to end     ${ms(pct(sseSpool, 0.5))} (goal ≤ 8 ms)`,
    );
  }
  await spool.close();
  raw.stop(true);
  process.exit(0);
}

/**
 * The server's part of a replay: the seam's follow from the cursor through the ring buffer into a
 * real SseSink, read in-process until the answer's `message.completed` frame is queued.
 */
async function replayInProcess(spool: TestSpool, threadId: string): Promise<number> {
  const services = spool.runtime.services;
  const auth = await services.tokens.authenticate(spool.secretKey);
  const sink = new SseSink(null);
  const reader = sink.stream.getReader();
  const decoder = new TextDecoder();
  const started = performance.now();
  const followed = await services.commands.follow(
    auth,
    threadId,
    positionFromCursor(parseStreamCursor("1:0")),
    sink,
  );
  for (;;) {
    const { value, done } = await reader.read();
    if (done || decoder.decode(value).includes("event: message.completed")) break;
  }
  const elapsed = performance.now() - started;
  followed.close();
  sink.close("done");
  return elapsed;
}

await main();

/**
 * Server-sent events over a ReadableStream: the StreamSink of one SSE response. Each delivered
 * batch is one enqueued chunk (coalesced frames). The byte-length queuing strategy measures what
 * the client has not read yet; `pull` is the drain signal (drain-signal.ts). A ping every 15 s
 * keeps idle proxies from closing the stream.
 */
import type { EventEntry } from "../../actors/event-entry.ts";
import type { StreamSink } from "../../actors/subscription.ts";
import type { Metrics } from "../ports/metrics.ts";
import { DrainSignal } from "./drain-signal.ts";
import { countDelivered } from "./stream-metrics.ts";

/** 15 s between pings on an idle stream (API.md). */
export const PING_INTERVAL_MS = 15_000;
/** An EventSource reconnects after this: quick after a blip, slow enough not to stampede. */
export const RECONNECT_RETRY_MS = 1000;
/** Bytes the stream queues before the client is considered slow. */
const HIGH_WATER_BYTES = 64 * 1024;

const encoder = new TextEncoder();

export function formatSse(entry: EventEntry): string {
  return `event: ${entry.meta.type}\nid: ${entry.seq}:${entry.offset}\ndata: ${entry.json}\n\n`;
}

/**
 * Frames encoded once and shared by every SSE subscriber they reach. An event's frame is cached by
 * its entry: the ring buffer hands the same entries to every replay, so reconnecting clients
 * reuse them. A batch's chunk (its frames joined) is cached by the batch array: the actor and the
 * live feed hand the same array to all their subscriptions, so the second subscriber of a live
 * batch pays one lookup, not a lookup and a copy per event (issue 17). Weak, so a frame goes with
 * its entry and a chunk with its batch. Streams never modify an enqueued chunk: sharing is safe.
 */
const eventFrames = new WeakMap<EventEntry, Uint8Array>();
const batchFrames = new WeakMap<readonly EventEntry[], Uint8Array>();

function frameOf(entry: EventEntry): Uint8Array {
  let frame = eventFrames.get(entry);
  if (!frame) {
    frame = encoder.encode(formatSse(entry));
    eventFrames.set(entry, frame);
  }
  return frame;
}

/** One chunk for a delivered batch: the shared frame itself when the batch is one event. */
function framesOf(entries: readonly EventEntry[]): Uint8Array {
  if (entries.length === 1) return frameOf(entries[0]!);
  let chunk = batchFrames.get(entries);
  if (chunk) return chunk;
  const parts = entries.map(frameOf);
  chunk = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    chunk.set(part, at);
    at += part.length;
  }
  batchFrames.set(entries, chunk);
  return chunk;
}

export class SseSink implements StreamSink {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #closed = false;
  readonly #drain = new DrainSignal();
  #lastSentAt = Date.now();
  #ping: ReturnType<typeof setInterval>;
  onCancel: (() => void) | null = null;
  readonly #metrics: Metrics | null;
  readonly #closedMetric: () => void;

  constructor(metrics: Metrics | null = null) {
    this.#metrics = metrics;
    this.#closedMetric = metrics?.streamOpened("sse") ?? (() => undefined);
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
          controller.enqueue(encoder.encode(`retry: ${RECONNECT_RETRY_MS}\n\n`));
        },
        pull: this.#drain.pull,
        cancel: () => this.#end(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_BYTES }),
    );
    this.#ping = setInterval(() => {
      if (Date.now() - this.#lastSentAt >= PING_INTERVAL_MS)
        this.#write("event: ping\ndata: {}\n\n");
    }, PING_INTERVAL_MS / 3);
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(entries: EventEntry[]): void {
    this.#enqueue(framesOf(entries));
    if (this.#metrics) countDelivered(this.#metrics, "sse", entries);
  }

  bufferedBytes(): number {
    if (this.#closed) return 0;
    return Math.max(0, HIGH_WATER_BYTES - (this.#controller.desiredSize ?? 0));
  }

  onDrain(callback: () => void): void {
    this.#drain.onDrain(callback);
  }

  close(_reason: "done" | "reconnect" | "revoked"): void {
    if (this.#closed) return;
    try {
      this.#controller.close();
    } catch {
      // The client already went away: closing twice is harmless.
    }
    this.#end();
  }

  #write(text: string): void {
    this.#enqueue(encoder.encode(text));
  }

  #enqueue(chunk: Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#controller.enqueue(chunk);
      this.#lastSentAt = Date.now();
    } catch {
      this.#end();
    }
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ping);
    this.#closedMetric();
    this.onCancel?.();
  }
}

export function sseResponse(sink: SseSink): Response {
  return new Response(sink.stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}

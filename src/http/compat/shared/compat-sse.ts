/**
 * A compatibility turn as an SSE response: each Spool event goes through the protocol's mapper
 * (pure, stateful per stream) into frames. The client going away detaches it from the turn, which
 * goes on (a disconnect never cancels). Idle streams get an SSE comment every 15 s, which every
 * protocol's parser skips.
 */
import type { StreamEvent } from "../../../protocol/events.ts";
import type { CompatTurn } from "../../../use-cases/compat-turns.ts";
import type { ConnectionRegistry } from "../../connection-registry.ts";
import { PING_INTERVAL_MS } from "../../sse-sink.ts";

export interface FrameMapper {
  /** SSE text for one Spool event (may be empty). */
  frames(event: StreamEvent): string;
  /** SSE text after the turn ended (e.g. `data: [DONE]`). */
  finish(): string;
}

const encoder = new TextEncoder();

/** Where an open stream registers so that revoking its key ends it (http/connection-registry.ts). */
export interface RevocationScope {
  connections: ConnectionRegistry;
  keyId: string;
}

export function compatSse(
  turn: CompatTurn,
  mapper: FrameMapper,
  headers: Record<string, string>,
  revocation: RevocationScope,
): Response {
  const iterator = turn.events[Symbol.asyncIterator]();
  const unregister = revocation.connections.add(revocation.keyId, {
    revoke: () => turn.events.endReader(),
  });
  let ping: ReturnType<typeof setInterval> | null = null;
  let lastWrite = Date.now();
  const stop = () => {
    if (ping) clearInterval(ping);
    ping = null;
    unregister();
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      ping = setInterval(() => {
        if (Date.now() - lastWrite < PING_INTERVAL_MS) return;
        lastWrite = Date.now();
        controller.enqueue(encoder.encode(": ping\n\n"));
      }, PING_INTERVAL_MS / 3);
    },
    async pull(controller) {
      for (;;) {
        const next = await iterator.next();
        if (next.done) {
          const tail = mapper.finish();
          if (tail) controller.enqueue(encoder.encode(tail));
          stop();
          controller.close();
          return;
        }
        const text = mapper.frames(next.value);
        if (text) {
          lastWrite = Date.now();
          controller.enqueue(encoder.encode(text));
          return;
        }
      }
    },
    cancel() {
      stop();
      turn.events.detach();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...headers,
    },
  });
}

export function sseFrame(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`;
}

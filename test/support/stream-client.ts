/**
 * Real-socket stream clients for integration tests: a WebSocket client that records every frame
 * (with `waitFor` on a predicate) and an SSE reader over fetch that parses `event:`/`id:`/`data:`.
 * Both keep the raw frames so tests can compare sequences exactly.
 */

export type Frame = Record<string, unknown> & { type: string; cursor?: string };

/** 15 s: generous for a 2-core machine running Redis, BullMQ and the server at once. */
const WAIT_MS = 15_000;

export interface WsClient {
  readonly ws: WebSocket;
  readonly frames: Frame[];
  /** Close code and reason once closed. */
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  sendRaw(text: string): void;
  /** Resolves with the first frame (from index `from`) matching `pred`. */
  waitFor(pred: (f: Frame) => boolean, from?: number, timeoutMs?: number): Promise<Frame>;
  close(): void;
}

export async function openWs(baseUrl: string, key: string): Promise<WsClient> {
  const url = `${baseUrl.replace(/^http/, "ws")}/v1/ws?token=${encodeURIComponent(key)}`;
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  ws.onmessage = (event) => {
    frames.push(JSON.parse(String(event.data)) as Frame);
    for (const wake of waiters) wake();
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.onclose = (event) => {
      resolve({ code: event.code, reason: event.reason });
      for (const wake of waiters) wake();
    };
  });
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`websocket to ${url} failed`));
  });
  return {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendRaw: (text) => ws.send(text),
    waitFor(pred, from = 0, timeoutMs = WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = from; i < frames.length; i++) {
            if (pred(frames[i]!)) {
              done();
              return resolve(frames[i]!);
            }
          }
          if (ws.readyState === WebSocket.CLOSED) {
            done();
            reject(new Error(`socket closed while waiting; ${frames.length} frames`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(`timed out waiting for a frame; last: ${JSON.stringify(frames.at(-1))}`),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => ws.close(),
  };
}

export interface SseEvent {
  event: string;
  id: string | null;
  data: Frame;
}

/** Parses a complete SSE text into events (pings included). */
export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const block of text.split("\n\n")) {
    if (!block.trim()) continue;
    let event = "message";
    let id: string | null = null;
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("id: ")) id = line.slice(4);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (!data) continue; // a `retry:` or comment block carries no event
    out.push({ event, id, data: JSON.parse(data) as Frame });
  }
  return out;
}

/**
 * Reads an SSE response until `until(event)` is true (or the stream ends), then aborts it.
 * Returns the events read (complete ones only).
 */
export async function readSse(
  response: Response,
  until: (e: SseEvent) => boolean,
  abort?: AbortController,
  timeoutMs = WAIT_MS,
): Promise<SseEvent[]> {
  if (!response.body) throw new Error("no body");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = "";
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += decoder.decode(value, { stream: true });
      const end = buffer.lastIndexOf("\n\n");
      if (end < 0) continue;
      const parsed = parseSse(buffer.slice(0, end + 2));
      buffer = buffer.slice(end + 2);
      for (const e of parsed) {
        events.push(e);
        if (until(e)) return events;
      }
    }
  } finally {
    clearTimeout(timer);
    abort?.abort();
    void reader.cancel().catch(() => undefined); // already closed: nothing to release
  }
}

export const isFinal = (f: Frame) =>
  f.type === "message.completed" || f.type === "message.incomplete" || f.type === "message.failed";

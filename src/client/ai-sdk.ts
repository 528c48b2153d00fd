/**
 * `spool/client/ai-sdk`: `SpoolChatTransport`, a `ChatTransport` for the AI SDK's `useChat` over
 * Spool's `/v1/ui/chat`. Unlike the stock transport it sends only the new message (Spool holds the
 * history), takes a key or an end-user token (refreshed per request), and survives a cut
 * connection: it re-issues the same request (idempotent on the server: same message id, same
 * turn), skips the chunks it already delivered (the replay is deterministic), so `useChat` sees
 * every chunk exactly once. Dependency-free at runtime; `ai` is imported for types only.
 */
import type { ChatTransport, UIMessage, UIMessageChunk } from "ai";

export interface SpoolChatTransportOptions {
  /** Spool's base URL, e.g. `https://spool.example.com` (no `/v1`). */
  baseUrl: string;
  /** A secret key (server side only) … */
  apiKey?: string;
  /** … or an end-user token, or a function that returns a fresh one (called per request). */
  token?: string | (() => string | Promise<string>);
  /** Spool send fields for every turn: `model`, `tools`, `tools_mode`, `max_tokens`, … */
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
  /**
   * `useChat`'s `stop()` also cancels the generation on the server (default false: Spool's rule
   * is that a disconnect never cancels, so stop only detaches this tab).
   */
  cancelOnStop?: boolean;
  /** Reconnects after a cut stream before giving up (default 5). */
  maxReconnects?: number;
  fetch?: typeof fetch;
}

/** 250 ms, doubling: quick after a blip, never a stampede. */
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 4000;

export class SpoolChatError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
    this.name = "SpoolChatError";
  }
}

type SendOptions = Parameters<ChatTransport<UIMessage>["sendMessages"]>[0];
type ReconnectOptions = Parameters<ChatTransport<UIMessage>["reconnectToStream"]>[0];

export class SpoolChatTransport<M extends UIMessage = UIMessage> implements ChatTransport<M> {
  /** A reconnect after a page reload replays the running turn from its start. */
  readonly resumeStreamIsReplay = true;
  readonly #options: SpoolChatTransportOptions;

  constructor(options: SpoolChatTransportOptions) {
    this.#options = options;
  }

  async sendMessages(
    options: SendOptions & { messages: M[] },
  ): Promise<ReadableStream<UIMessageChunk>> {
    const last = options.messages[options.messages.length - 1];
    const body = JSON.stringify({
      ...this.#options.body,
      ...(options.body as Record<string, unknown> | undefined),
      id: options.chatId,
      // Spool keeps the thread: only the new message (or the answered tool calls) is news.
      messages: last ? [last] : [],
      trigger: options.trigger,
      ...(options.messageId ? { messageId: options.messageId } : {}),
    });
    return this.#stream(
      () => ({ url: this.#url("/v1/ui/chat"), init: { method: "POST", body } }),
      options.headers,
      options.abortSignal,
    ) as Promise<ReadableStream<UIMessageChunk>>;
  }

  async reconnectToStream(
    options: ReconnectOptions,
  ): Promise<ReadableStream<UIMessageChunk> | null> {
    const path = `/v1/ui/chat/${encodeURIComponent(options.chatId)}/stream`;
    return this.#stream(
      () => ({ url: this.#url(path), init: { method: "GET" } }),
      options.headers,
      options.abortSignal,
    );
  }

  /** Stops the turn's running message on the server (a no-op once it settled). */
  async #cancel(
    turn: { threadId: string; seq: number; done: boolean },
    extraHeaders: ReconnectOptions["headers"],
  ): Promise<void> {
    if (turn.done || !turn.threadId || turn.seq < 1) return;
    const path = `/v1/threads/${encodeURIComponent(turn.threadId)}/messages/${turn.seq}/cancel`;
    const doFetch = this.#options.fetch ?? globalThis.fetch;
    const headers = await this.#headers(extraHeaders, true);
    await doFetch(this.#url(path), { method: "POST", headers, body: "{}" }).catch(() => {
      // Best effort: the tab is going away; the turn then ends by itself.
    });
  }

  #url(path: string): string {
    return this.#options.baseUrl.replace(/\/+$/, "") + path;
  }

  async #headers(extra: ReconnectOptions["headers"], json: boolean): Promise<Headers> {
    const headers = new Headers(this.#options.headers);
    for (const [name, value] of new Headers(extra)) headers.set(name, value);
    const { apiKey, token } = this.#options;
    const credential = typeof token === "function" ? await token() : (token ?? apiKey);
    if (credential) headers.set("authorization", `Bearer ${credential}`);
    if (json) headers.set("content-type", "application/json");
    return headers;
  }

  /** Opens the request; null on 204. A cut stream is re-requested and de-duplicated. */
  async #stream(
    request: () => { url: string; init: RequestInit },
    extraHeaders: ReconnectOptions["headers"],
    signal: AbortSignal | undefined,
  ): Promise<ReadableStream<UIMessageChunk> | null> {
    const doFetch = this.#options.fetch ?? globalThis.fetch;
    const turn = { threadId: "", seq: 0, done: false };
    const open = async () => {
      const { url, init } = request();
      const headers = await this.#headers(extraHeaders, init.method === "POST");
      const response = await doFetch(url, { ...init, headers, ...(signal ? { signal } : {}) });
      if (response.status === 204) return null;
      if (!response.ok || !response.body) throw await errorOf(response);
      turn.threadId = response.headers.get("spool-thread-id") ?? "";
      turn.seq = Math.max(turn.seq, Number(response.headers.get("spool-message-seq") ?? 0));
      return response.body;
    };
    const first = await open();
    if (!first) return null;
    if (this.#options.cancelOnStop)
      signal?.addEventListener("abort", () => void this.#cancel(turn, extraHeaders), {
        once: true,
      });
    const maxReconnects = this.#options.maxReconnects ?? 5;
    let body: ReadableStream<Uint8Array> = first;
    let delivered = 0;
    let lastJson = "";
    let reconnects = 0;
    return new ReadableStream<UIMessageChunk>({
      start: async (controller) => {
        for (;;) {
          let skip = delivered;
          try {
            for await (const json of dataFrames(body)) {
              if (json === "[DONE]") {
                turn.done = true;
                return controller.close();
              }
              if (skip > 0) {
                skip--;
                if (skip === 0 && json !== lastJson) throw new Error("replay diverged");
                continue;
              }
              delivered++;
              lastJson = json;
              // Part ids are "<seq>:<index>": the message generating now, for cancelOnStop.
              const seq = /"id":"(\d+):\d+"/.exec(json)?.[1];
              if (seq) turn.seq = Math.max(turn.seq, Number(seq));
              controller.enqueue(JSON.parse(json) as UIMessageChunk);
            }
            return controller.close(); // ended without [DONE]: the server closed the turn's stream
          } catch (error) {
            if (signal?.aborted || reconnects >= maxReconnects || isFinal(error))
              return controller.error(error);
          }
          reconnects++;
          await sleep(Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (reconnects - 1)));
          try {
            const again = await open();
            // 204: the turn ended while we were away (only a resume GET can see this); its end
            // is in the history, not in a stream: say so rather than end the message silently.
            if (!again)
              return controller.error(
                new SpoolChatError(
                  "The turn ended while reconnecting; reload the history.",
                  204,
                  "turn_ended",
                ),
              );
            body = again;
          } catch (error) {
            return controller.error(error);
          }
        }
      },
    });
  }
}

function isFinal(error: unknown): boolean {
  return (
    error instanceof SpoolChatError ||
    (error instanceof Error && error.message === "replay diverged")
  );
}

async function errorOf(response: Response): Promise<SpoolChatError> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string; code?: string } };
    const message = parsed.error?.message ?? (text || response.statusText);
    return new SpoolChatError(message, response.status, parsed.error?.code ?? null);
  } catch {
    return new SpoolChatError(text || response.statusText, response.status, null);
  }
}

/** The `data:` payloads of an SSE body (comments and other fields skipped). */
async function* dataFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5))
          .join("\n");
        if (data) yield data;
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    await reader.cancel().catch(() => {
      // The body already ended or failed: there is no connection left to free.
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

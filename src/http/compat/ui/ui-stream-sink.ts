/**
 * The StreamSink of one UI message stream response: Spool events in, `data: <chunk>` SSE frames
 * out (through UiStreamTranslator), ended with `data: [DONE]` when the turn ends (its final
 * answer, or its last client tool call). Keepalives are SSE comments: the AI SDK validates every
 * `data:` frame against its chunk union, so a `data: {}` ping would fail the client's stream.
 */
import { type EventEntry, eventType } from "../../../../actors/event-entry.ts";
import type { StreamSink } from "../../../../actors/subscription.ts";
import type { StreamEvent } from "../../../protocol/events.ts";
import { DrainSignal } from "../../drain-signal.ts";
import { PING_INTERVAL_MS } from "../../sse-sink.ts";
import { endsTurn } from "../../turn-stream.ts";
import type { UiStreamTranslator } from "./ui-stream-translator.ts";
import type { UiChunk } from "./ui-types.ts";

/** Bytes queued for the client before it counts as slow (as the REST SSE sink). */
const HIGH_WATER_BYTES = 64 * 1024;

const encoder = new TextEncoder();

export function formatChunks(chunks: UiChunk[]): string {
  let text = "";
  for (const chunk of chunks) text += `data: ${JSON.stringify(chunk)}\n\n`;
  return text;
}

export class UiStreamSink implements StreamSink {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #closed = false;
  #turnEnded = false;
  readonly #drain = new DrainSignal();
  #lastSentAt = Date.now();
  readonly #ping: ReturnType<typeof setInterval>;
  onCancel: (() => void) | null = null;

  /**
   * `firstAssistantSeq`: the turn's first assistant message (events before it are not its own);
   * `answeredBelow`: tool waits of messages before this seq were answered already.
   */
  constructor(
    private readonly translator: UiStreamTranslator,
    private readonly firstAssistantSeq: number,
    private readonly answeredBelow: number,
  ) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
          const begin = translator.begin();
          if (begin.length > 0) controller.enqueue(encoder.encode(formatChunks(begin)));
        },
        pull: this.#drain.pull,
        cancel: () => this.#end(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_BYTES }),
    );
    this.#ping = setInterval(() => {
      if (Date.now() - this.#lastSentAt >= PING_INTERVAL_MS) this.#write(": ping\n\n");
    }, PING_INTERVAL_MS / 3);
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(entries: EventEntry[]): void {
    if (this.#turnEnded) return;
    const chunks: UiChunk[] = [];
    let waiting = false;
    for (const entry of entries) {
      if (entry.seq < this.firstAssistantSeq) continue;
      chunks.push(...this.translator.translate(parse(entry)));
      if (this.#endsTurn(entry)) {
        this.#turnEnded = true;
        waiting = eventType(entry.json) === "tool.waiting";
        break;
      }
    }
    if (this.#turnEnded) chunks.push(...this.translator.end(waiting));
    if (chunks.length > 0) this.#write(formatChunks(chunks));
    if (this.#turnEnded) this.close("done");
  }

  /** The turn's end; the tool wait of a message already answered is not one. */
  #endsTurn(entry: EventEntry): boolean {
    const answered = entry.seq < this.answeredBelow || this.translator.isKnown(entry.seq);
    if (answered && eventType(entry.json) === "tool.waiting") return false;
    return endsTurn(entry, this.firstAssistantSeq, (seq) => this.translator.lastToolUseId(seq));
  }

  bufferedBytes(): number {
    if (this.#closed) return 0;
    return Math.max(0, HIGH_WATER_BYTES - (this.#controller.desiredSize ?? 0));
  }

  onDrain(callback: () => void): void {
    this.#drain.onDrain(callback);
  }

  /**
   * `done`: the turn ended; `revoked`: the credential stopped working (an error chunk says so);
   * `reconnect`: the stream is cut without `[DONE]`, which the AI SDK reports as a disconnect, so
   * the client resumes through `GET /v1/ui/chat/:id/stream`.
   */
  close(reason: "done" | "reconnect" | "revoked"): void {
    if (this.#closed) return;
    if (reason === "reconnect") {
      this.#end();
      try {
        this.#controller.error(new Error("stream moved; reconnect"));
      } catch {
        // already closed by the client: nothing to tell it
      }
      return;
    }
    if (reason === "revoked")
      this.#write(formatChunks([{ type: "error", errorText: "The credential was revoked." }]));
    this.#write("data: [DONE]\n\n");
    try {
      this.#controller.close();
    } catch {
      // The client already went away: closing twice is harmless.
    }
    this.#end();
  }

  #write(text: string): void {
    if (this.#closed) return;
    try {
      this.#controller.enqueue(encoder.encode(text));
      this.#lastSentAt = Date.now();
    } catch {
      this.#end();
    }
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ping);
    this.onCancel?.();
  }
}

function parse(entry: EventEntry): StreamEvent {
  return (entry.event as StreamEvent | undefined) ?? (JSON.parse(entry.json) as StreamEvent);
}

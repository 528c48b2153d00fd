/**
 * A minimal SSE client for multi-node tests: reads a `text/event-stream` response into events
 * ({id, type, data}) and lets a test wait until a predicate holds or the stream ends.
 */
export interface SseEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export class SseReader {
  readonly events: SseEvent[] = [];
  ended = false;
  status = 0;
  readonly done: Promise<void>;
  #waiters: (() => void)[] = [];

  /** Takes the response promise: Bun sends an SSE response's headers with its first event, so
   * awaiting the fetch of an idle stream before acting would wait for that event. */
  constructor(response: Response | Promise<Response>) {
    this.done = Promise.resolve(response)
      .then(
        (r) => this.#read(r),
        () => undefined, // refused (node down): an ended stream with no events
      )
      .finally(() => {
        this.ended = true;
        this.#wake();
      });
  }

  /** Resolves when `predicate` holds over the events so far, or the stream ended (then false). */
  async until(predicate: (events: SseEvent[]) => boolean, timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (this.ended || Date.now() > deadline) return predicate(this.events);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return true;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async #read(response: Response): Promise<void> {
    if (!response.body) return;
    this.status = response.status;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          this.#parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
        this.#wake();
      }
    } catch {
      // The server went away (killed node): the test looks at what arrived before.
    }
  }

  #parse(block: string): void {
    let id = "";
    let type = "message";
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("id: ")) id = line.slice(4);
      else if (line.startsWith("event: ")) type = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (data) this.events.push({ id, type, data: JSON.parse(data) as Record<string, unknown> });
  }
}

export const FINAL_TYPES = new Set(["message.completed", "message.incomplete", "message.failed"]);

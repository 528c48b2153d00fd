/**
 * Tokenizer that counts in a worker thread (tokenizer-worker.ts), so a long message never blocks
 * the event loop that serves requests (with WORKERS=embedded the jobs run in the server process).
 * Requests queue in the thread, one at a time. Every count is bounded in time: past
 * COUNT_TIMEOUT_MS the thread is terminated (the next count starts a fresh one) and the answer is
 * the character estimate of domain/tokens.ts, marked inexact, so no message can hold a job, a
 * core or a shutdown for long.
 */
import { estimateTextTokens } from "../../domain/tokens.ts";
import type { TokenCount, Tokenizer } from "../../ports/tokenizer.ts";
import { MAX_COUNTED_CHARS } from "./bpe-counter.ts";
import type { CountReply, CountRequest } from "./tokenizer-worker.ts";

/** 20 s: ~10x the worst text measured (1 Mi random CJK chars ~1.1 s), so only a stuck thread. */
export const COUNT_TIMEOUT_MS = 20_000;

interface Pending {
  resolve(count: TokenCount): void;
  texts: string[];
  timer: ReturnType<typeof setTimeout>;
}

export class ThreadedTokenizer implements Tokenizer {
  readonly #timeoutMs: number;
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(options: { timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? COUNT_TIMEOUT_MS;
  }

  count(model: string | null, texts: string[]): Promise<TokenCount> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#timedOut(id), this.#timeoutMs);
      this.#pending.set(id, { resolve, texts, timer });
      // Only what is counted crosses to the thread (a 15 MB text is counted on its head anyway).
      const heads = texts.map((t) =>
        t.length > MAX_COUNTED_CHARS ? t.slice(0, MAX_COUNTED_CHARS) : t,
      );
      const request: CountRequest = {
        id,
        model,
        texts: heads,
        lengths: texts.map((t) => t.length),
      };
      this.#thread().postMessage(request);
    });
  }

  /** Ends the thread; counts still waiting get the estimate. */
  close(): void {
    this.#restart();
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./tokenizer-worker.ts", import.meta.url).href, {
      type: "module",
    });
    // The thread must never keep a stopping process alive.
    (worker as { unref?: () => void }).unref?.();
    worker.onmessage = (event: MessageEvent<CountReply>) => this.#answer(event.data);
    worker.onerror = (event) => {
      event.preventDefault?.();
      this.#restart();
    };
    this.#worker = worker;
    return worker;
  }

  #answer(reply: CountReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    clearTimeout(pending.timer);
    pending.resolve(reply.ok ? { tokens: reply.tokens, exact: reply.exact } : estimate(pending));
  }

  /** A count took too long: the thread is stuck on it, and every count queued behind it too. */
  #timedOut(id: number): void {
    if (this.#pending.has(id)) this.#restart();
  }

  #restart(): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.resolve(estimate(pending));
      this.#pending.delete(id);
    }
  }
}

function estimate(pending: Pending): TokenCount {
  return { tokens: pending.texts.reduce((n, t) => n + estimateTextTokens(t), 0), exact: false };
}

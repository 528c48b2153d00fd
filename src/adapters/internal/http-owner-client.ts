/**
 * OwnerClient over the owners' internal HTTP endpoints (src/http/internal.ts), authenticated by
 * the cluster's shared internal secret. A send answers NDJSON: the ticket line as soon as the
 * owner assigned seqs, then a `settled` line when the turn settled, so one request carries both.
 */

import type { NewMessage } from "../../domain/records.ts";
import {
  type Forwarded,
  type ForwardedSend,
  type ForwardedTicket,
  INTERNAL_SECRET_HEADER,
  type OwnerAddress,
  type OwnerClient,
  type ThreadRef,
  type ToolResultInput,
} from "../../ports/owner-client.ts";
import { AppError, type ErrorCode } from "../../protocol/errors.ts";
import type { Message } from "../../protocol/objects.ts";

/** 30 s for the first answer: longer than a deep mailbox of appends, shorter than a client's patience. */
const FIRST_ANSWER_TIMEOUT_MS = 30_000;

interface ErrorLine {
  error: {
    code: ErrorCode;
    message: string;
    status: number;
    param?: string;
    details?: Record<string, unknown>;
  };
}

const UNREACHABLE = { ok: false, reason: "unreachable" } as const;
const NOT_OWNER = { ok: false, reason: "not_owner" } as const;

export class HttpOwnerClient implements OwnerClient {
  constructor(private readonly secret: string) {}

  async send(
    owner: OwnerAddress,
    thread: ThreadRef,
    send: ForwardedSend,
  ): Promise<Forwarded<ForwardedTicket>> {
    const response = await this.#post(owner, thread, "send", send);
    if (!response.ok) return response;
    const reader = lines(response.value);
    const first = await reader.next().catch(() => null);
    if (!first || first.done) return UNREACHABLE;
    const line = JSON.parse(first.value) as {
      ticket?: Omit<ForwardedTicket, "settled">;
    } & Partial<ErrorLine>;
    if (line.error) throw fromLine(line as ErrorLine);
    const settled = reader
      .next()
      .then(() => undefined)
      .catch(() => undefined) // the owner died mid-turn: the caller reads the stored state
      .finally(() => void reader.return(undefined));
    return { ok: true, value: { ...line.ticket!, settled } };
  }

  async cancel(owner: OwnerAddress, thread: ThreadRef, seq: number): Promise<Forwarded<void>> {
    return this.#simple(owner, thread, "cancel", { seq });
  }

  async toolResult(
    owner: OwnerAddress,
    thread: ThreadRef,
    input: ToolResultInput,
  ): Promise<Forwarded<void>> {
    return this.#simple(owner, thread, "tool_result", input);
  }

  async stop(owner: OwnerAddress, thread: ThreadRef): Promise<Forwarded<void>> {
    return this.#simple(owner, thread, "stop", {});
  }

  async deleteMessage(
    owner: OwnerAddress,
    thread: ThreadRef,
    seq: number,
  ): Promise<Forwarded<Message>> {
    const result = await this.#call(owner, thread, "delete_message", { seq });
    return result.ok ? { ok: true, value: (result.value as { message: Message }).message } : result;
  }

  async importMessages(
    owner: OwnerAddress,
    thread: ThreadRef,
    messages: NewMessage[],
  ): Promise<Forwarded<number[]>> {
    const result = await this.#call(owner, thread, "import", { messages });
    return result.ok ? { ok: true, value: (result.value as { seqs: number[] }).seqs } : result;
  }

  async switchHead(owner: OwnerAddress, thread: ThreadRef, seq: number): Promise<Forwarded<void>> {
    return this.#simple(owner, thread, "head", { seq });
  }

  async #simple(
    owner: OwnerAddress,
    thread: ThreadRef,
    op: string,
    body: unknown,
  ): Promise<Forwarded<void>> {
    const result = await this.#call(owner, thread, op, body);
    return result.ok ? { ok: true, value: undefined } : result;
  }

  /** One command, one JSON answer line: the owner's result, or its error thrown here. */
  async #call(
    owner: OwnerAddress,
    thread: ThreadRef,
    op: string,
    body: unknown,
  ): Promise<Forwarded<unknown>> {
    const response = await this.#post(owner, thread, op, body);
    if (!response.ok) return response;
    const text = await response.value.text().catch(() => null);
    if (text === null) return UNREACHABLE;
    const line = JSON.parse(text) as Partial<ErrorLine>;
    if (line.error) throw fromLine(line as ErrorLine);
    return { ok: true, value: line };
  }

  async #post(
    owner: OwnerAddress,
    thread: ThreadRef,
    op: string,
    body: unknown,
  ): Promise<Forwarded<Response>> {
    const url = `${owner.url}/internal/threads/${encodeURIComponent(thread.threadId)}/${op}`;
    // The timeout covers the answer's headers only (the owner sends them with the ticket); the
    // settled line of a send may come minutes later.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), FIRST_ANSWER_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", [INTERNAL_SECRET_HEADER]: this.secret },
        body: JSON.stringify({ tenant_id: thread.tenantId, ...(body as object) }),
        signal: controller.signal,
      });
    } catch {
      return UNREACHABLE; // refused, reset or timed out: the router falls back to the lease
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 421) {
      await response.body?.cancel();
      return NOT_OWNER;
    }
    return { ok: true, value: response };
  }
}

function fromLine(line: ErrorLine): AppError {
  const { code, message, status, param, details } = line.error;
  return new AppError(code, message, {
    status,
    ...(param === undefined ? {} : { param }),
    ...(details === undefined ? {} : { details }),
  });
}

async function* lines(response: Response): AsyncGenerator<string> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      yield buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
    }
  }
}

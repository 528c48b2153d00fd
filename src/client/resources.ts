/**
 * The REST resources of API.md as methods: threads, messages, tool results, search, usage and
 * end-user tokens. Lists are async iterators that walk `next_cursor` (`for await (const t of
 * spool.threads.list())`); `.page()` gives one page. Sends carry a generated `request_id`, so the
 * HTTP layer may repeat them after a network error or a 503 without making a second turn.
 */
import type { List, Message, Metadata, Thread } from "../protocol/objects.ts";
import type {
  ImportedMessage,
  RegenerateBody,
  SendBody,
  ToolResultBody,
} from "../protocol/requests.ts";
import { newRequestId } from "./emitter.ts";
import type { HttpClient, Query } from "./http.ts";
import { type StreamOptions, TurnStream } from "./turn-stream.ts";

export class Page<T> implements AsyncIterable<T> {
  #http: HttpClient;
  #path: string;
  #query: Query;

  constructor(http: HttpClient, path: string, query: Query) {
    this.#http = http;
    this.#path = path;
    this.#query = query;
  }

  /** One page (the first, or the one after `cursor`). */
  page(cursor?: string): Promise<List<T>> {
    return this.#http.json<List<T>>("GET", this.#path, {
      query: { ...this.#query, ...(cursor ? { cursor } : {}) },
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.page(cursor);
      yield* page.data;
      if (!page.has_more || !page.next_cursor) return;
      cursor = page.next_cursor;
    }
  }

  /** Every item (all pages) in an array. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) out.push(item);
    return out;
  }
}

const enc = encodeURIComponent;

export interface ListThreadsParams {
  end_user_id?: string;
  limit?: number;
}

export class Threads {
  constructor(protected readonly http: HttpClient) {}

  create(body: { end_user_id?: string; metadata?: Metadata } = {}): Promise<Thread> {
    return this.http.json("POST", "/v1/threads", { body });
  }
  list(params: ListThreadsParams = {}): Page<Thread> {
    return new Page(this.http, "/v1/threads", { ...params });
  }
  retrieve(threadId: string): Promise<Thread> {
    return this.http.json("GET", `/v1/threads/${enc(threadId)}`);
  }
  /** Replaces metadata and/or switches the active branch (`head_seq`). */
  update(threadId: string, body: { metadata?: Metadata; head_seq?: number }): Promise<Thread> {
    return this.http.json("PATCH", `/v1/threads/${enc(threadId)}`, { body, idempotent: true });
  }
  /** A new thread (same end user) holding the branch that ends at `at_seq`. */
  fork(threadId: string, body: { at_seq: number; metadata?: Metadata }): Promise<Thread> {
    return this.http.json("POST", `/v1/threads/${enc(threadId)}/fork`, { body });
  }
  del(threadId: string): Promise<{ id: string; object: string; deleted: boolean }> {
    return this.http.json("DELETE", `/v1/threads/${enc(threadId)}`);
  }
}

export interface ListMessagesParams {
  limit?: number;
  order?: "asc" | "desc";
  include?: "tools";
  /** `active` (default): the head's branch; `all`: every message in seq order. */
  branch?: "active" | "all";
}

export type SendParams = Omit<SendBody, "stream"> & { stream?: false };
export interface SendResult {
  user_message: Message;
  assistant_message?: Message;
}

export class Messages {
  constructor(private readonly http: HttpClient) {}

  list(threadId: string, params: ListMessagesParams = {}): Page<Message> {
    return new Page(this.http, `/v1/threads/${enc(threadId)}/messages`, { ...params });
  }
  retrieve(threadId: string, seq: number): Promise<Message> {
    return this.http.json("GET", `/v1/threads/${enc(threadId)}/messages/${seq}`);
  }
  /** Appends (no model) or runs a turn and waits for it; retried safely with one request_id. */
  send(threadId: string, body: SendParams): Promise<SendResult> {
    const request_id = body.request_id ?? newRequestId();
    return this.http.json("POST", `/v1/threads/${enc(threadId)}/messages`, {
      body: { ...body, stream: false, request_id },
      idempotent: true,
    });
  }
  /** Runs a turn and streams it: see TurnStream (resume, exactly once, cancel). */
  stream(threadId: string, body: Omit<SendBody, "stream">, options?: StreamOptions): TurnStream {
    return new TurnStream(this.http, threadId, body, options);
  }
  /** Answers again after the parent of assistant message `seq` (a new branch); waits for it. */
  regenerate(
    threadId: string,
    seq: number,
    body: Omit<RegenerateBody, "stream"> = {},
  ): Promise<{ assistant_message: Message }> {
    const request_id = body.request_id ?? newRequestId();
    return this.http.json("POST", `/v1/threads/${enc(threadId)}/messages/${seq}/regenerate`, {
      body: { ...body, stream: false, request_id },
      idempotent: true,
    });
  }
  /** Appends historical messages of any role (secret key; at most 1,000 per call). */
  import(
    threadId: string,
    messages: ImportedMessage[],
  ): Promise<{ object: "import"; thread_id: string; seqs: number[] }> {
    return this.http.json("POST", `/v1/threads/${enc(threadId)}/messages/import`, {
      body: { messages },
    });
  }
  cancel(threadId: string, seq: number): Promise<Message> {
    return this.http.json("POST", `/v1/threads/${enc(threadId)}/messages/${seq}/cancel`, {
      idempotent: true,
    });
  }
}

export class ToolResults {
  constructor(private readonly http: HttpClient) {}

  submit(
    threadId: string,
    body: ToolResultBody,
  ): Promise<{ tool_use_id: string; accepted: boolean }> {
    return this.http.json("POST", `/v1/threads/${enc(threadId)}/tool_results`, { body });
  }
}

export interface SearchParams {
  q: string;
  end_user_id?: string;
  thread_id?: string;
  limit?: number;
  semantic_ratio?: number;
}
export interface SearchHit {
  thread_id: string;
  seq: number;
  role: string;
  block_type: string;
  snippet: string;
  score: number;
  created_at: string;
}

export interface Usage {
  object: "usage";
  end_user_id: string | null;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  messages: number;
  estimated_messages: number;
}

export interface EndUserToken {
  token: string;
  end_user_id: string;
  expires_at: string;
}

export function searchPage(http: HttpClient, params: SearchParams): Page<SearchHit> {
  return new Page(http, "/v1/search", { ...params });
}

export function usage(
  http: HttpClient,
  params: { end_user_id?: string; from?: string; to?: string } = {},
): Promise<Usage> {
  return http.json("GET", "/v1/usage", { query: params });
}

export function createEndUserToken(
  http: HttpClient,
  body: { end_user_id: string; ttl_seconds?: number; policy?: Record<string, unknown> },
): Promise<EndUserToken> {
  return http.json("POST", "/v1/end_user_tokens", { body });
}

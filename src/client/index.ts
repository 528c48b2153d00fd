/**
 * `spool/client`: the Spool SDK. `new Spool({baseUrl, apiKey})` on a server, or
 * `new Spool({baseUrl, token: () => fetchTokenFromMyBackend()})` in a browser (never a secret key
 * there). No runtime dependency; runs in browsers, Node ≥ 22, Bun and Deno. docs/client.md.
 */
import { DEFAULT_RETRY, type RetryOptions } from "./backoff.ts";
import { Credentials, type TokenSource } from "./credentials.ts";
import { type FollowOptions, ThreadFollow } from "./follow.ts";
import { type FetchLike, HttpClient } from "./http.ts";
import {
  createEndUserToken,
  type EndUserToken,
  Messages,
  type Page,
  type SearchHit,
  type SearchParams,
  searchPage,
  Threads,
  ToolResults,
  type Usage,
  usage,
} from "./resources.ts";
import { WsHub } from "./ws-hub.ts";

export interface SpoolOptions {
  /** e.g. `http://localhost:3000` (no `/v1`). */
  baseUrl: string;
  /** A secret key (`sk_…`, server side only) or a fixed end-user token. */
  apiKey?: string;
  /** Returns an end-user token; called again once when the server answers 401 / closes 4001. */
  token?: TokenSource;
  fetch?: FetchLike;
  retry?: Partial<RetryOptions>;
}

class FollowingThreads extends Threads {
  readonly #hub: () => WsHub;
  constructor(http: HttpClient, hub: () => WsHub) {
    super(http);
    this.#hub = hub;
  }
  /** A live, ordered list of the thread's messages that survives reconnects. */
  follow(threadId: string, options?: FollowOptions): ThreadFollow {
    return new ThreadFollow(this.http, this.#hub, threadId, options);
  }
}

export class Spool {
  readonly threads: FollowingThreads;
  readonly messages: Messages;
  readonly toolResults: ToolResults;
  readonly endUserTokens: {
    create(body: {
      end_user_id: string;
      ttl_seconds?: number;
      policy?: Record<string, unknown>;
    }): Promise<EndUserToken>;
  };
  readonly #http: HttpClient;
  #hub: WsHub | null = null;

  constructor(options: SpoolOptions) {
    if (!options.apiKey && !options.token) throw new TypeError("Spool: pass apiKey or token");
    this.#http = new HttpClient({
      baseUrl: options.baseUrl,
      credentials: new Credentials(options.apiKey, options.token),
      retry: { ...DEFAULT_RETRY, ...options.retry },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    const hub = () => {
      this.#hub ??= new WsHub(this.#http);
      return this.#hub;
    };
    this.threads = new FollowingThreads(this.#http, hub);
    this.messages = new Messages(this.#http);
    this.toolResults = new ToolResults(this.#http);
    this.endUserTokens = { create: (body) => createEndUserToken(this.#http, body) };
  }

  search(params: SearchParams): Page<SearchHit> {
    return searchPage(this.#http, params);
  }

  usage(params?: { end_user_id?: string; from?: string; to?: string }): Promise<Usage> {
    return usage(this.#http, params);
  }

  /** Models this server can use (`spool/echo` always). */
  async models(): Promise<{ id: string }[]> {
    return (await this.#http.json<{ data: { id: string }[] }>("GET", "/v1/models")).data;
  }
}

export type { Block } from "../protocol/blocks.ts";
export type { StreamEvent } from "../protocol/events.ts";
export type { Message, Thread } from "../protocol/objects.ts";
export type { SendBody } from "../protocol/requests.ts";
export type { RetryOptions } from "./backoff.ts";
export * from "./errors.ts";
export type { FollowOptions, FollowStatus, ThreadFollow } from "./follow.ts";
export type {
  EndUserToken,
  ListMessagesParams,
  ListThreadsParams,
  Page,
  SearchHit,
  SearchParams,
  SendParams,
  SendResult,
  Usage,
} from "./resources.ts";
export type { StreamOptions, TurnStream } from "./turn-stream.ts";

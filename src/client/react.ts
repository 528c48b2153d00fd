/**
 * `spool/client/react`: `useSpoolThread(threadId)` → `{messages, status, send, cancel,
 * submitToolResult, error}`. The list comes from `threads.follow` (history, then the live stream
 * with resume), so every tab and every reload shows the same ordered messages; `send` runs the turn
 * with a request_id (retried safely), and its events arrive through the follow. React is an
 * optional peer dependency: only this entry imports it.
 */
import {
  createContext,
  createElement,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
} from "react";
import type { Message } from "../protocol/objects.ts";
import type { SendBody, ToolResultBody } from "../protocol/requests.ts";

type ToolResultContent = ToolResultBody["content"];

import type { SpoolError } from "./errors.ts";
import type { FollowOptions, ThreadFollow } from "./follow.ts";
import type { Spool } from "./index.ts";

const SpoolContext = createContext<Spool | null>(null);

export function SpoolProvider(props: { client: Spool; children?: ReactNode }) {
  return createElement(SpoolContext.Provider, { value: props.client }, props.children);
}

/**
 * `loading`: reading history · `ready`: live, nothing generating · `streaming`: an answer is
 * being generated · `reconnecting`: the connection dropped, resuming · `error`: see `error`.
 */
export type ThreadStatus = "idle" | "loading" | "ready" | "streaming" | "reconnecting" | "error";

export interface UseSpoolThreadOptions extends FollowOptions {
  /** Default: the client of the nearest SpoolProvider. */
  client?: Spool;
  /** Default model of `send` (default `spool/echo`). */
  model?: string;
}

export type SendOptions = Omit<SendBody, "content" | "stream">;

export interface SpoolThread {
  messages: Message[];
  status: ThreadStatus;
  send(content: SendBody["content"], options?: SendOptions): Promise<void>;
  cancel(): Promise<void>;
  submitToolResult(toolUseId: string, content: ToolResultContent, isError?: boolean): Promise<void>;
  error: SpoolError | null;
}

export function useSpoolThread(
  threadId: string | null | undefined,
  options: UseSpoolThreadOptions = {},
): SpoolThread {
  const fromContext = useContext(SpoolContext);
  const client = options.client ?? fromContext;
  if (!client) throw new Error("useSpoolThread: pass {client} or render inside <SpoolProvider>");
  const [messages, setMessages] = useState<Message[]>([]);
  const [connection, setConnection] = useState<ThreadStatus>("idle");
  const [error, setError] = useState<SpoolError | null>(null);
  const follow = useRef<ThreadFollow | null>(null);
  const transport = options.transport;
  const history = options.history;

  useEffect(() => {
    setMessages([]);
    setError(null);
    if (!threadId) {
      setConnection("idle");
      return;
    }
    setConnection("loading");
    const current = client.threads.follow(threadId, {
      ...(transport ? { transport } : {}),
      ...(history ? { history } : {}),
    });
    follow.current = current;
    const offs = [
      current.on("messages", (list) => setMessages(list)),
      current.on("status", (s) => {
        if (s === "live") setConnection("ready");
        else if (s === "reconnecting") setConnection("reconnecting");
      }),
      current.on("error", (e) => {
        setError(e);
        setConnection("error");
      }),
    ];
    return () => {
      for (const off of offs) off();
      current.close();
      if (follow.current === current) follow.current = null;
    };
  }, [client, threadId, transport, history]);

  const model = options.model ?? "spool/echo";
  const send = useCallback(
    async (content: SendBody["content"], sendOptions: SendOptions = {}) => {
      if (!threadId) throw new Error("useSpoolThread: no thread");
      setError(null);
      try {
        await client.messages.send(threadId, { model, ...sendOptions, content });
      } catch (e) {
        setError(e as SpoolError);
        throw e;
      }
    },
    [client, threadId, model],
  );

  const cancel = useCallback(async () => {
    const running = follow.current?.messages.findLast(
      (m) => m.role === "assistant" && m.status === "in_progress",
    );
    if (threadId && running) await client.messages.cancel(threadId, running.seq);
  }, [client, threadId]);

  const submitToolResult = useCallback(
    async (toolUseId: string, content: ToolResultContent, isError = false) => {
      if (!threadId) throw new Error("useSpoolThread: no thread");
      await client.toolResults.submit(threadId, {
        tool_use_id: toolUseId,
        content,
        is_error: isError,
      });
    },
    [client, threadId],
  );

  const generating = messages.some((m) => m.status === "in_progress");
  const status = connection === "ready" && generating ? "streaming" : connection;
  return { messages, status, send, cancel, submitToolResult, error };
}

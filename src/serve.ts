/**
 * The runtime-neutral server (the Hono shape): routing between the public and internal
 * listeners, WebSocket authentication and sessions, node registration, drain and shutdown. Bun and
 * Deno each provide a thin `SocketRuntime` (serve-bun.ts, main.deno.ts) that only listens and
 * adapts sockets, so both runtimes get exactly the same behaviour.
 */
import type { Runtime } from "./deps.ts";
import type { AuthContext } from "./domain/auth-context.ts";
import { handleHttp } from "./http/app.ts";
import { authenticate } from "./http/auth.ts";
import { setHoldOpen } from "./http/request-context.ts";
import { WsSession, type WsSocket } from "./http/ws-session.ts";
import { CLOSE_CODES } from "./protocol/ws-frames.ts";

/** What a socket runtime calls for one accepted WebSocket. */
export interface SocketEvents {
  /** `bytes`: the frame's size on the wire, for the frame limit where the runtime has none. */
  message(text: string, bytes: number): void;
  drain(): void;
  close(): void;
}

/** Turns the request into a WebSocket; `open` runs once it is open. Undefined: not upgradable. */
export type Upgrade = (
  request: Request,
  open: (socket: WsSocket & { bufferedAmount(): number }) => SocketEvents,
) => Response | undefined;

export interface ListenSpec {
  hostname: string;
  port: number;
  idleTimeoutS: number;
  maxRequestBodyBytes: number;
  maxWsFrameBytes: number;
  /** `holdOpen` lifts the idle timeout for this one request (a long silent wait). */
  fetch(request: Request, upgrade: Upgrade, holdOpen: () => void): Promise<Response | undefined>;
}

export interface Listener {
  readonly port: number;
  /** Stops accepting; open streams are not awaited (the runtime ends them). */
  stop(): Promise<void>;
}

export interface SocketRuntime {
  name: "bun" | "deno";
  listen(spec: ListenSpec): Listener;
}

export interface SpoolServer {
  readonly port: number;
  /** The internal listener's port (null: internal routes are on the public one). */
  readonly internalPort: number | null;
  /** Bytes queued in WebSocket send buffers, all sockets (memory-bound checks). */
  wsBufferedBytes(): number;
  /** Drain then close: running turns get the grace, clients are told to reconnect. */
  shutdown(): Promise<void>;
  /** Immediate stop (tests): sockets told 1012, listeners closed; the runtime is not closed. */
  stop(): Promise<void>;
}

const INTERNAL_PREFIX = "/internal/";
const WS_PATH = "/v1/ws";

export function serve(
  runtime: Runtime,
  sockets: SocketRuntime,
  port = runtime.config.port,
): SpoolServer {
  const { config, services } = runtime;
  const sessions = new Set<WsSession>();
  const buffers = new Set<{ bufferedAmount(): number }>();
  const separateInternal = config.internal !== null;

  const openSession = (auth: AuthContext | null) => (socket: WsSocket) => {
    // A refused socket is closing: nothing it sends or does matters any more.
    const ignore = () => undefined;
    const noop: SocketEvents = { message: ignore, drain: ignore, close: ignore };
    if (!auth) {
      socket.close(CLOSE_CODES.unauthorized, "unauthorized");
      return noop;
    }
    const session = new WsSession(services, socket, auth);
    sessions.add(session);
    buffers.add(socket);
    const closedMetric = services.metrics.streamOpened("ws");
    return {
      message(text: string, bytes: number) {
        if (bytes > config.limits.maxWsFrameBytes) {
          return session.close(CLOSE_CODES.frameTooBig, "frame too big");
        }
        session.handleText(text);
      },
      drain: () => session.handleDrain(),
      close() {
        closedMetric();
        buffers.delete(socket);
        session.handleClose();
        sessions.delete(session);
      },
    };
  };

  const publicFetch = async (request: Request, upgrade: Upgrade, lift: () => void) => {
    setHoldOpen(request, lift);
    const path = new URL(request.url).pathname;
    if (path === WS_PATH) {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response("expected a websocket upgrade", { status: 426 });
      }
      const auth = await authenticate(services, request, true, "upgrade").catch(() => null);
      return upgrade(request, openSession(auth));
    }
    if (separateInternal && path.startsWith(INTERNAL_PREFIX)) {
      return new Response("not found", { status: 404 });
    }
    return handleHttp(runtime.app, request, services);
  };
  const internalFetch = async (request: Request) => {
    const path = new URL(request.url).pathname;
    if (!path.startsWith(INTERNAL_PREFIX) && path !== "/healthz") {
      return new Response("not found", { status: 404 });
    }
    return handleHttp(runtime.app, request, services);
  };

  const common = {
    idleTimeoutS: config.httpIdleTimeoutS,
    // Twice the JSON limit, so the route answers 413 with our error body rather than the runtime.
    maxRequestBodyBytes: config.limits.maxBodyBytes * 2,
    maxWsFrameBytes: config.limits.maxWsFrameBytes,
  };
  const publicListener = sockets.listen({
    ...common,
    hostname: config.host,
    port,
    fetch: publicFetch,
  });
  const internalListener = config.internal
    ? sockets.listen({
        ...common,
        hostname: config.internal.host,
        port: config.internal.port,
        fetch: internalFetch,
      })
    : null;
  void runtime
    .announce(internalListener?.port ?? publicListener.port)
    .catch((error) => services.logger.error("node registration failed", { error }));

  const stopListening = async () => {
    for (const session of sessions) session.close(CLOSE_CODES.restarting, "server restarting");
    // Do not wait for open SSE streams: runtime.close() ends them with a reconnect after
    // checkpointing, which a wait here would deadlock against.
    void publicListener.stop();
    void internalListener?.stop();
  };
  let shuttingDown: Promise<void> | null = null;

  return {
    port: publicListener.port,
    internalPort: internalListener?.port ?? null,
    wsBufferedBytes() {
      let total = 0;
      for (const socket of buffers) total += socket.bufferedAmount();
      return total;
    },
    shutdown() {
      shuttingDown ??= (async () => {
        const finished = await runtime.drain(config.shutdownGraceMs);
        services.logger.info("drained", { all_turns_finished: finished });
        await stopListening();
        await runtime.close();
      })();
      return shuttingDown;
    },
    stop: stopListening,
  };
}

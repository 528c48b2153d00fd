/**
 * Serving on Bun: HTTP through Elysia's `fetch`, and `/v1/ws` upgraded here (Elysia's `.ws()` is
 * Bun-only and would tie the session to it; the session is runtime-neutral). Authentication runs
 * before the upgrade; a refused credential still upgrades and closes with 4001, because a
 * browser's WebSocket cannot read an HTTP 401.
 */
import type { Server, ServerWebSocket } from "bun";
import type { Runtime } from "./deps.ts";
import type { AuthContext } from "./domain/auth-context.ts";
import { handleHttp } from "./http/app.ts";
import { authenticate } from "./http/auth.ts";
import { WsSession } from "./http/ws-session.ts";
import { CLOSE_CODES } from "./protocol/ws-frames.ts";

interface SocketData {
  auth: AuthContext | null;
  session: WsSession | null;
}

export interface BunServer {
  port: number;
  /** Bytes queued in this server's WebSocket send buffers, all sockets (memory-bound checks). */
  wsBufferedBytes(): number;
  stop(): Promise<void>;
}

export function serveBun(runtime: Runtime, port = runtime.config.port): BunServer {
  const { services, app } = runtime;
  const sessions = new Set<WsSession>();
  const sockets = new Set<ServerWebSocket<SocketData>>();
  const server: Server<SocketData> = Bun.serve<SocketData>({
    hostname: runtime.config.host,
    port,
    // Twice the JSON limit, so the route answers 413 with our error body rather than Bun.
    maxRequestBodySize: runtime.config.limits.maxBodyBytes * 2,
    idleTimeout: 0,
    async fetch(request, srv) {
      const url = new URL(request.url);
      if (url.pathname === "/v1/ws") {
        const auth = await authenticate(services, request, true, "upgrade").catch(() => null);
        if (srv.upgrade(request, { data: { auth, session: null } })) return undefined;
        return new Response("expected a websocket upgrade", { status: 426 });
      }
      return handleHttp(app, request);
    },
    websocket: {
      maxPayloadLength: runtime.config.limits.maxWsFrameBytes,
      sendPings: true,
      open(ws: ServerWebSocket<SocketData>) {
        if (!ws.data.auth) return ws.close(CLOSE_CODES.unauthorized, "unauthorized");
        sockets.add(ws);
        const session = new WsSession(services, bunSocket(ws), ws.data.auth);
        ws.data.session = session;
        sessions.add(session);
      },
      message(ws, message) {
        const text = typeof message === "string" ? message : new TextDecoder().decode(message);
        ws.data.session?.handleText(text);
      },
      drain(ws) {
        ws.data.session?.handleDrain();
      },
      close(ws) {
        sockets.delete(ws);
        const session = ws.data.session;
        if (!session) return;
        session.handleClose();
        sessions.delete(session);
      },
    },
  });
  void runtime
    .announce(server.port ?? port)
    .catch((error) => services.logger.error("node registration failed", { error }));
  return {
    port: server.port ?? port,
    wsBufferedBytes() {
      let total = 0;
      for (const ws of sockets) total += ws.getBufferedAmount();
      return total;
    },
    async stop() {
      for (const session of sessions) session.close(CLOSE_CODES.restarting, "server restarting");
      // Stop listening, but do not wait for open SSE streams here: runtime.close() ends them with
      // a reconnect after checkpointing, which a wait here would deadlock against.
      void server.stop();
    },
  };
}

function bunSocket(ws: ServerWebSocket<SocketData>) {
  return {
    send: (text: string) => void ws.send(text),
    bufferedAmount: () => ws.getBufferedAmount(),
    close: (code: number, reason: string) => ws.close(code, reason),
    cork: (fn: () => void) => void ws.cork(fn),
  };
}

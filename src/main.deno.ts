/**
 * Deno entry point: the same runtime as src/main.ts, served with `Deno.serve` (Elysia's `fetch`)
 * and `/v1/ws` upgraded with `Deno.upgradeWebSocket` into the runtime-neutral WsSession. Deno's
 * WebSocket has no drain event and no frame limit, so this file polls `bufferedAmount` for drain
 * and closes oversized frames with 1009 itself. tsc checks it against src/deno-globals.d.ts.
 */
import { describeConfig } from "./config.ts";
import { createRuntime, type Runtime } from "./deps.ts";
import { handleHttp } from "./http/app.ts";
import { authenticate } from "./http/auth.ts";
import { WsSession, type WsSocket } from "./http/ws-session.ts";
import { consoleLogger } from "./ports/logger.ts";
import { loadConfigOrExit } from "./process-lifecycle.ts";
import { CLOSE_CODES } from "./protocol/ws-frames.ts";

/** 5 ms: drain is noticed within a frame time without spinning on idle sockets. */
const DRAIN_POLL_MS = 5;

/** Adapts a Deno WebSocket; `onDrain` fires once bufferedAmount is back to zero after sends. */
function denoSocket(ws: WebSocket, onDrain: () => void): WsSocket & { stop(): void } {
  let timer: ReturnType<typeof setInterval> | null = null;
  const watch = () => {
    if (timer !== null) return;
    timer = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > 0) return;
      clearInterval(timer!);
      timer = null;
      onDrain();
    }, DRAIN_POLL_MS);
  };
  const stop = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };
  return {
    send(text) {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(text);
      if (ws.bufferedAmount > 0) watch();
    },
    bufferedAmount: () => ws.bufferedAmount,
    close(code, reason) {
      stop();
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
        ws.close(code, reason);
      }
    },
    stop,
  };
}

function handleWs(runtime: Runtime, request: Request, sessions: Set<WsSession>): Promise<Response> {
  const { services } = runtime;
  const maxFrameBytes = runtime.config.limits.maxWsFrameBytes;
  return authenticate(services, request, true, "upgrade")
    .catch(() => null)
    .then((auth) => {
      const { socket, response } = Deno.upgradeWebSocket(request);
      let session: WsSession | null = null;
      let adapter: ReturnType<typeof denoSocket> | null = null;
      socket.onopen = () => {
        if (!auth) return socket.close(CLOSE_CODES.unauthorized, "unauthorized");
        adapter = denoSocket(socket, () => session?.handleDrain());
        session = new WsSession(services, adapter, auth);
        sessions.add(session);
      };
      socket.onmessage = (event: MessageEvent) => {
        if (!session) return;
        const data = event.data;
        const size = typeof data === "string" ? data.length : (data as ArrayBuffer).byteLength;
        if (size > maxFrameBytes) return session.close(CLOSE_CODES.frameTooBig, "frame too big");
        session.handleText(typeof data === "string" ? data : new TextDecoder().decode(data));
      };
      socket.onclose = () => {
        adapter?.stop();
        if (!session) return;
        session.handleClose();
        sessions.delete(session);
      };
      socket.onerror = () => {
        // onclose follows every error; the session is torn down there.
      };
      return response;
    });
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = consoleLogger(config.logLevel);
  const runtime = await createRuntime(config, logger);
  if (runtime.firstSecretKey) console.log(`secret key: ${runtime.firstSecretKey}`);
  const sessions = new Set<WsSession>();
  const server = Deno.serve(
    { hostname: config.host, port: config.port, onListen: () => undefined },
    (request: Request) => {
      if (new URL(request.url).pathname === "/v1/ws") {
        if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
          return new Response("expected a websocket upgrade", { status: 426 });
        }
        return handleWs(runtime, request, sessions);
      }
      return handleHttp(runtime.app, request);
    },
  );
  logger.info("spool listening (deno)", {
    ...describeConfig(config),
    url: `http://${config.host}:${server.addr.port}`,
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    for (const session of sessions) session.close(CLOSE_CODES.restarting, "server restarting");
    await server.shutdown();
    await runtime.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
}

await main();

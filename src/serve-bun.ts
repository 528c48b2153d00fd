/**
 * Bun's socket runtime for serve() (src/serve.ts): `Bun.serve` with its native WebSocket (frame
 * limit, pings, drain events, cork). Everything else (auth, sessions, routing, drain) is in the
 * runtime-neutral core. `serveBun` is the Bun entry's and the tests' way in.
 */
import type { Server, ServerWebSocket } from "bun";
import type { Runtime } from "./deps.ts";
import { type SocketEvents, type SocketRuntime, type SpoolServer, serve } from "./serve.ts";

interface SocketData {
  open: (socket: ReturnType<typeof bunSocket>) => SocketEvents;
  events: SocketEvents | null;
}

export type BunServer = SpoolServer;

export const bunSockets: SocketRuntime = {
  name: "bun",
  listen(spec) {
    const server: Server<SocketData> = Bun.serve<SocketData>({
      hostname: spec.hostname,
      port: spec.port,
      maxRequestBodySize: spec.maxRequestBodyBytes,
      idleTimeout: spec.idleTimeoutS,
      async fetch(request, srv) {
        let lifted = false;
        const response = await spec.fetch(
          request,
          (req, open) =>
            srv.upgrade(req, { data: { open, events: null } })
              ? undefined
              : new Response("expected a websocket upgrade", { status: 426 }),
          () => {
            lifted = true;
            srv.timeout(request, 0);
          },
        );
        // The lift holds for the connection's keep-alive life otherwise: bound it again.
        if (lifted) srv.timeout(request, spec.idleTimeoutS);
        return response;
      },
      websocket: {
        maxPayloadLength: spec.maxWsFrameBytes,
        sendPings: true,
        open(ws) {
          ws.data.events = ws.data.open(bunSocket(ws));
        },
        message(ws, message) {
          const text = typeof message === "string" ? message : new TextDecoder().decode(message);
          ws.data.events?.message(text, 0); // Bun enforces maxPayloadLength itself (1009)
        },
        drain(ws) {
          ws.data.events?.drain();
        },
        close(ws) {
          ws.data.events?.close();
        },
      },
    });
    return {
      port: server.port ?? spec.port,
      async stop() {
        void server.stop();
      },
    };
  },
};

export function serveBun(runtime: Runtime, port = runtime.config.port): BunServer {
  return serve(runtime, bunSockets, port);
}

function bunSocket(ws: ServerWebSocket<SocketData>) {
  return {
    send: (text: string) => void ws.send(text),
    bufferedAmount: () => ws.getBufferedAmount(),
    close: (code: number, reason: string) => ws.close(code, reason),
    cork: (fn: () => void) => void ws.cork(fn),
  };
}

/**
 * Deno entry point: the same runtime-neutral server as src/main.ts (src/serve.ts), with Deno's
 * socket runtime: `Deno.serve` and `Deno.upgradeWebSocket`. Deno's WebSocket has no drain event
 * and no frame limit, so this file polls `bufferedAmount` for drain and reports each frame's size
 * (the core closes oversized ones with 1009). tsc checks it against src/deno-globals.d.ts.
 */
import { createRuntime } from "./deps.ts";
import { currentRequestFields } from "./http/request-context.ts";
import { consoleLogger } from "./ports/logger.ts";
import { loadConfigOrExit, onShutdown } from "./process-lifecycle.ts";
import { type SocketEvents, type SocketRuntime, serve } from "./serve.ts";

/** 5 ms: drain is noticed within a frame time without spinning on idle sockets. */
const DRAIN_POLL_MS = 5;

function denoSocket(ws: WebSocket, onDrain: () => void) {
  let timer: ReturnType<typeof setInterval> | null = null;
  const watch = () => {
    if (timer !== null) return;
    timer = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > 0) return;
      stop();
      onDrain();
    }, DRAIN_POLL_MS);
  };
  const stop = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };
  return {
    send(text: string) {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(text);
      if (ws.bufferedAmount > 0) watch();
    },
    bufferedAmount: () => ws.bufferedAmount,
    close(code: number, reason: string) {
      stop();
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
        ws.close(code, reason);
      }
    },
    stop,
  };
}

/** Deno.serve has no idle timeout to lift. */
const noIdleTimeout = () => undefined;

export const denoSockets: SocketRuntime = {
  name: "deno",
  listen(spec) {
    // Deno.serve has no idle timeout or body-size option; the app enforces the body limit.
    const server = Deno.serve(
      { hostname: spec.hostname, port: spec.port, onListen: () => undefined },
      async (request: Request) => {
        const response = await spec.fetch(
          request,
          (req, open) => {
            const { socket, response } = Deno.upgradeWebSocket(req);
            let events: SocketEvents | null = null;
            const adapter = denoSocket(socket, () => events?.drain());
            socket.onopen = () => {
              events = open(adapter);
            };
            socket.onmessage = (event: MessageEvent) => {
              const data = event.data;
              const text = typeof data === "string" ? data : new TextDecoder().decode(data);
              const bytes =
                typeof data === "string" ? data.length : (data as ArrayBuffer).byteLength;
              events?.message(text, bytes);
            };
            socket.onclose = () => {
              adapter.stop();
              events?.close();
            };
            socket.onerror = () => {
              // onclose follows every error; the session is torn down there.
            };
            return response;
          },
          noIdleTimeout,
        );
        return response ?? new Response("expected a websocket upgrade", { status: 426 });
      },
    );
    return {
      port: server.addr.port,
      async stop() {
        void server.shutdown();
      },
    };
  },
};

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = consoleLogger(config.logLevel, currentRequestFields);
  const runtime = await createRuntime(config, logger);
  if (runtime.firstSecretKey) console.log(`secret key: ${runtime.firstSecretKey}`);
  const server = serve(runtime, denoSockets);
  runtime.listening(server, "deno");
  onShutdown(logger, () => server.shutdown(), config.shutdownGraceMs, {
    onSignal: (signal, handler) => Deno.addSignalListener(signal, handler),
    exit: (code) => Deno.exit(code),
  });
}

await main();

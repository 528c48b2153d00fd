/**
 * The few Deno APIs src/main.deno.ts uses, declared for tsc (which runs with bun-types, not Deno's
 * lib), so the Deno entry is typechecked with the rest of the code. Deno itself never loads this
 * file. `deno check` of the whole graph is not usable: Deno resolves a second typebox copy for
 * Elysia and rejects every route schema, which says nothing about this entry.
 */
declare namespace Deno {
  interface HttpServer {
    readonly addr: { hostname: string; port: number };
    shutdown(): Promise<void>;
  }
  function serve(
    options: { hostname?: string; port?: number; onListen?: (addr: unknown) => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): HttpServer;
  function upgradeWebSocket(request: Request): { socket: WebSocket; response: Response };
  function addSignalListener(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
  function exit(code?: number): never;
}

/**
 * A TCP proxy on loopback between a client and a Spool server, for resume tests: `cut()` drops
 * every open connection at once (as a flaky network or a closed laptop lid would), and
 * `swallowNextResponse()` lets the next connection's request reach the server but answers the
 * client with a 503 of its own instead of the server's response (a load balancer that failed
 * after forwarding), so an idempotent retry can be told apart from a second turn.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface CuttingProxy {
  readonly port: number;
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Responses replaced by the proxy's 503 so far. */
  readonly swallowed: number;
  /** Drops every open connection (both sides). */
  cut(): void;
  swallowNextResponse(): void;
  close(): Promise<void>;
}

const FAKE_503 = JSON.stringify({
  error: { type: "api_error", code: "unavailable", message: "proxy: upstream failed" },
});

export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  const open = new Set<Socket>();
  let connections = 0;
  let swallow = 0;
  let swallowed = 0;
  const server: Server = createServer((client) => {
    connections++;
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    if (swallow > 0) {
      swallow--;
      upstream.once("data", () => {
        swallowed++;
        client.end(
          "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n" +
            `retry-after: 0\r\ncontent-length: ${FAKE_503.length}\r\nconnection: close\r\n\r\n${FAKE_503}`,
        );
        upstream.destroy();
      });
    } else {
      upstream.pipe(client);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    get swallowed() {
      return swallowed;
    },
    cut() {
      for (const socket of [...open]) socket.destroy();
      open.clear();
    },
    swallowNextResponse() {
      // pooled keep-alive connections would carry the next request: drop them first
      for (const socket of [...open]) socket.destroy();
      open.clear();
      swallow++;
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

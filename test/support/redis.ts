/**
 * A real redis-server for tests: one per test process, started on first use on a free loopback
 * port, AOF off, in a temp dir, killed when the process exits or dies (tied-process.ts: also on a
 * SIGKILL of the runner, which no exit handler sees). Tests isolate by key prefix
 * (`freshPrefix()`), never by flushing.
 */

import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Subprocess, spawn } from "bun";
import { tie } from "./tied-process.ts";

export interface RedisProcess {
  url: string;
  port: number;
  dir: string;
  process: Subprocess;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForPing(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      const socket = await Bun.connect({
        hostname: "127.0.0.1",
        port,
        socket: {
          data() {
            // only checking that the port accepts connections
          },
          open(s) {
            s.end();
          },
        },
      });
      socket.end();
      return;
    } catch {
      await Bun.sleep(20); // not listening yet: poll again
    }
  }
  throw new Error(`redis-server on port ${port} did not start within ${deadlineMs} ms`);
}

export async function startRedis(
  options: { appendonly?: boolean; dir?: string; port?: number } = {},
): Promise<RedisProcess> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "spool-redis-"));
  const child = spawn(
    [
      "redis-server",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      options.appendonly ? "yes" : "no",
      "--maxmemory-policy",
      "noeviction",
    ],
    // No inherited output: an orphaned server (test process killed) must not hold the runner's pipes open.
    { stdout: "ignore", stderr: "ignore" },
  );
  tie(child); // dies with this test process, even when it is SIGKILLed
  await waitForPing(port, 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: child,
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
    },
  };
}

let shared: Promise<RedisProcess> | null = null;

/** The test process's shared Redis. */
export function testRedis(): Promise<RedisProcess> {
  if (!shared) {
    shared = startRedis();
    shared.then((r) => process.on("exit", () => r.process.kill("SIGKILL")));
  }
  return shared;
}

export function freshPrefix(label = "t"): string {
  return `test:${label}:${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * The embedded default's private redis-server: AOF on, data under DATA_DIR/redis, loopback only.
 * If one is already running for this DATA_DIR (another node on the machine, or one left behind by
 * a process that was killed), it is reused: its port is in DATA_DIR/redis/redis.port.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { join } from "node:path";

/** 10 s: a cold start replaying a large AOF can take a few seconds. */
const START_TIMEOUT_MS = 10_000;
const PING_POLL_MS = 25;

export interface EmbeddedRedis {
  url: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export function redisServerAvailable(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

async function waitUntilUp(port: number, child: ChildProcess): Promise<void> {
  const until = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, PING_POLL_MS));
  }
  throw new Error(`redis-server did not answer on port ${port} within ${START_TIMEOUT_MS} ms`);
}

export async function startEmbeddedRedis(dataDir: string): Promise<EmbeddedRedis> {
  const dir = join(dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const portFile = join(dir, "redis.port");
  if (existsSync(portFile)) {
    const port = Number(readFileSync(portFile, "utf8"));
    if (port > 0 && (await ping(port))) {
      return { url: `redis://127.0.0.1:${port}`, stop: async () => undefined };
    }
  }
  if (!redisServerAvailable()) {
    throw new Error(
      "redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y redis-server) " +
        "or point REDIS_URL at a Redis 7 server.",
    );
  }
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "everysec",
      "--save",
      "",
      "--maxmemory-policy",
      "noeviction",
      "--protected-mode",
      "yes",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  await waitUntilUp(port, child);
  writeFileSync(portFile, String(port));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once("exit", () => resolveStop());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * The embedded default's private redis-server: AOF on, data under DATA_DIR/redis, loopback only,
 * and a password (generated once, kept 0600 in DATA_DIR/redis/redis.conf, never on a command line
 * that `ps` shows). If one is already running for this DATA_DIR (another node on the machine, or
 * one left behind by a killed process) it is reused, but only after it proves it is ours: it must
 * refuse unauthenticated commands, accept the password, and hold the identity nonce stored beside
 * it. Anything else on the recorded port is never adopted; the password is rotated and a new
 * server is started, so a password sent to an impostor opens nothing.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { join } from "node:path";

/** 10 s: a cold start replaying a large AOF can take a few seconds. */
const START_TIMEOUT_MS = 10_000;
const PING_POLL_MS = 25;
const PROBE_TIMEOUT_MS = 500;
/** Set in the server at start; a server that lacks it was not started by this DATA_DIR. */
const IDENTITY_KEY = "spool:embedded:identity";
const SECRET_BYTES = 24;

interface Secrets {
  password: string;
  identity: string;
}

export interface EmbeddedRedis {
  url: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

/** Sends RESP commands on one connection and resolves with the raw replies (null: no answer). */
function exchange(port: number, commands: string[][]): Promise<string | null> {
  return new Promise((resolveExchange) => {
    const socket = new Socket();
    let received = "";
    const done = (reply: string | null) => {
      socket.destroy();
      resolveExchange(reply);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(received || null));
    socket.once("error", () => done(null));
    socket.once("close", () => done(received || null));
    socket.connect(port, "127.0.0.1", () => socket.write(commands.map(encodeCommand).join("")));
    socket.on("data", (data) => {
      received += data.toString();
      if (completeReplies(received) >= commands.length) done(received);
    });
  });
}

/** How many whole RESP replies `text` holds (enough of RESP for the probes here). */
function completeReplies(text: string): number {
  let count = 0;
  let at = 0;
  for (;;) {
    const next = replyEnd(text, at);
    if (next < 0) return count;
    count++;
    at = next;
  }
}

/** Where the reply starting at `at` ends, or -1 when it is not complete yet. */
function replyEnd(text: string, at: number): number {
  const lineEnd = text.indexOf("\r\n", at);
  if (lineEnd < 0) return -1;
  const kind = text[at];
  const n = Number(text.slice(at + 1, lineEnd));
  if (kind === "$") {
    if (n < 0) return lineEnd + 2;
    const end = lineEnd + 2 + n + 2;
    return text.length >= end ? end : -1;
  }
  if (kind === "*") {
    let cursor = lineEnd + 2;
    for (let i = 0; i < n; i++) {
      cursor = replyEnd(text, cursor);
      if (cursor < 0) return -1;
    }
    return cursor;
  }
  return lineEnd + 2;
}

function encodeCommand(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
}

/** Answers at all (any Redis, ours or not). */
async function answers(port: number): Promise<boolean> {
  return (await exchange(port, [["PING"]])) !== null;
}

/**
 * Ours: refuses an unauthenticated PING (so the password is only sent to a server that asks for
 * one), accepts the password, and holds the identity nonce written when it was started.
 */
async function isOurs(port: number, secrets: Secrets): Promise<boolean> {
  const first = await exchange(port, [["PING"]]);
  if (!first?.startsWith("-NOAUTH")) return false;
  const reply = await exchange(port, [
    ["AUTH", secrets.password],
    ["GET", IDENTITY_KEY],
  ]);
  const expected = `+OK\r\n$${secrets.identity.length}\r\n${secrets.identity}\r\n`;
  return reply === expected;
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
    if (await answers(port)) return;
    await sleep(PING_POLL_MS);
  }
  throw new Error(`redis-server did not answer on port ${port} within ${START_TIMEOUT_MS} ms`);
}

export async function startEmbeddedRedis(dataDir: string): Promise<EmbeddedRedis> {
  const dir = join(dataDir, "redis");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const portFile = join(dir, "redis.port");
  const secretsFile = join(dir, "secrets.json");
  const known = readSecrets(secretsFile);
  const recordedPort = existsSync(portFile) ? Number(readFileSync(portFile, "utf8")) : 0;
  if (known && recordedPort > 0 && (await isOurs(recordedPort, known))) {
    return { url: urlOf(recordedPort, known), stop: async () => undefined };
  }
  if (recordedPort > 0) await stopLegacyServer(recordedPort, dir);
  if (!redisServerAvailable()) {
    throw new Error(
      "redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y redis-server) " +
        "or point REDIS_URL at a Redis 7 server.",
    );
  }
  // A fresh password whenever we start a server: one that was sent to a non-ours listener is void.
  const secrets = { password: randomSecret(), identity: randomSecret() };
  writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
  const port = await freePort();
  const confFile = join(dir, "redis.conf");
  writeFileSync(confFile, redisConf(port, dir, secrets.password), { mode: 0o600 });
  const child = spawn("redis-server", [confFile], { stdio: ["ignore", "ignore", "inherit"] });
  await waitUntilUp(port, child);
  const set = await exchange(port, [
    ["AUTH", secrets.password],
    ["SET", IDENTITY_KEY, secrets.identity],
  ]);
  if (set !== "+OK\r\n+OK\r\n") throw new Error("the embedded redis-server refused its password");
  writeFileSync(portFile, String(port), { mode: 0o600 });
  return {
    url: urlOf(port, secrets),
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once("exit", () => resolveStop());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * A Spool before passwords left its redis-server running without one. If the recorded port
 * answers without a password and serves this very directory, it is that server: shut it down
 * (it saves its AOF) so two servers never write one AOF. Anything else there is left alone.
 */
async function stopLegacyServer(port: number, dir: string): Promise<void> {
  const reply = await exchange(port, [["CONFIG", "GET", "dir"]]);
  if (!reply?.startsWith("*2") || !reply.includes(`\r\n${dir}\r\n`)) return;
  await exchange(port, [["SHUTDOWN"]]);
  const until = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < until && (await answers(port))) await sleep(PING_POLL_MS);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function redisConf(port: number, dir: string, password: string): string {
  return [
    `port ${port}`,
    "bind 127.0.0.1",
    `dir "${dir.replace(/["\\]/g, "\\$&")}"`,
    "appendonly yes",
    "appendfsync everysec",
    'save ""',
    "maxmemory-policy noeviction",
    "protected-mode yes",
    `requirepass ${password}`,
    "",
  ].join("\n");
}

function readSecrets(file: string): Secrets | null {
  if (!existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<Secrets>;
    return typeof parsed.password === "string" && typeof parsed.identity === "string"
      ? { password: parsed.password, identity: parsed.identity }
      : null;
  } catch (error) {
    // A torn or foreign file: start a new server with new secrets rather than trust it.
    void error;
    return null;
  }
}

/** Hex: safe inside a URL and a redis.conf line without quoting. */
function randomSecret(): string {
  return randomBytes(SECRET_BYTES).toString("hex");
}

function urlOf(port: number, secrets: Secrets): string {
  return `redis://:${secrets.password}@127.0.0.1:${port}`;
}

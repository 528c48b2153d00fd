/**
 * Starts a Spool node as a real child process (`bun src/main.ts`, or Deno) on loopback, for crash,
 * multi-node and runtime tests. Usage:
 *
 *   const node = await startNode({ redisUrl, prefix });      // waits for /healthz
 *   node.url, node.port, node.pid, node.secretKey            // secretKey: printed on first start
 *   await node.kill("SIGKILL");  node.signal("SIGSTOP")       // crash / freeze (SIGCONT thaws)
 *   await node.restart();                                    // same DATA_DIR, NODE_ID and port
 *   await node.stop();                                       // graceful (SIGTERM), then gone
 *
 * Nodes sharing `dataDir` share one SQLite file (DESIGN.md); give each node its own `nodeId`.
 * The secret key is only printed when the store is empty, so a restarted node keeps the first one.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Subprocess, spawn } from "bun";
import { freePort } from "./redis.ts";
import { RAISED_TEST_LIMITS } from "./test-limits.ts";
import { tie } from "./tied-process.ts";

export const NODE_ADMIN_KEY = "adm_node_test_key";
const ROOT = resolve(import.meta.dir, "../..");
/** 30 s: a cold start under Deno on a loaded 2-core machine takes a few seconds. */
const START_TIMEOUT_MS = 30_000;
const HEALTH_POLL_MS = 25;

export interface NodeOptions {
  redisUrl: string;
  /** Redis key prefix shared by every node of one cluster. */
  prefix: string;
  /** Default: a fresh temp dir. Pass the same dir to several nodes to share SQLite. */
  dataDir?: string;
  nodeId?: string;
  /** Default: a free loopback port (kept across restarts). */
  port?: number;
  leaseTtlMs?: number;
  runtime?: "bun" | "deno";
  /** Extra environment (MAX_SUBSCRIBER_BUFFER_BYTES, LOG_LEVEL, …). */
  env?: Record<string, string>;
  /** Forward the child's stderr (JSON logs) to ours; default off. */
  inheritStderr?: boolean;
  /** Default true: fail unless the node prints a secret key (false: joining a shared store). */
  requireKey?: boolean;
  /** Extra runtime flags before the entry point (benches: `--cpu-prof-md`, `--cpu-prof-dir=…`). */
  runtimeArgs?: string[];
  /** Called with each stderr line (JSON logs) when given; takes precedence over inheritStderr. */
  onLog?: (line: string) => void;
  /** A second node on a shared data dir prints no key: pass the first node's here. */
  secretKey?: string;
}

export interface SpoolNode {
  readonly url: string;
  readonly port: number;
  readonly nodeId: string;
  readonly dataDir: string;
  /** The pid of the current process (changes on restart). */
  readonly pid: number;
  /** The tenant secret key printed on first start (kept across restarts). */
  readonly secretKey: string;
  readonly adminKey: string;
  /** Sends a signal; resolves once the process exited for terminating signals. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Sends a signal without waiting (SIGSTOP / SIGCONT). */
  signal(signal: NodeJS.Signals): void;
  /** Starts the node again with the same data dir, node id and port; waits for /healthz. */
  restart(): Promise<void>;
  /** Graceful stop (SIGTERM, clients told 1012); SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  readonly alive: boolean;
  /** Resolves with the exit code when the current process ends. */
  exited(): Promise<number | null>;
}

function command(runtime: "bun" | "deno", extra: string[] = []): string[] {
  if (runtime === "bun") return [join(ROOT, "node_modules/.bin/bun"), ...extra, "src/main.ts"];
  // The binary itself, not the npm bin shim (a node script): signals must reach Deno, and a
  // killed shim would leave Deno running.
  return [join(ROOT, "node_modules/deno/deno"), "run", "-A", "src/main.deno.ts"];
}

/** Every node this test process started: killed when it exits, however it exits. */
const children = new Set<Subprocess>();
let exitHookInstalled = false;

function track(child: Subprocess): void {
  children.add(child);
  void child.exited.then(() => children.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const c of children) c.kill("SIGKILL");
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      onLine(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
    }
  }
}

/** Reads stdout until `secret key: …` appears (first start) or the stream ends. */
async function watchStdout(child: Subprocess, onKey: (key: string) => void): Promise<void> {
  const stdout = child.stdout as ReadableStream<Uint8Array>;
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stdout) {
    text += decoder.decode(chunk, { stream: true });
    const match = /secret key: (sk_\S+)/.exec(text);
    if (match) onKey(match[1]!);
    if (text.length > 64 * 1024) text = text.slice(-1024);
  }
}

async function waitHealthy(url: string, child: Subprocess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `spool node exited during start (code ${child.exitCode ?? child.signalCode})`,
      );
    }
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet: poll again
    }
    await Bun.sleep(HEALTH_POLL_MS);
  }
  throw new Error(`spool node at ${url} not healthy within ${deadlineMs} ms`);
}

export async function startNode(options: NodeOptions): Promise<SpoolNode> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "spool-node-"));
  const nodeId = options.nodeId ?? `node-${crypto.randomUUID().slice(0, 8)}`;
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.prefix,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: "127.0.0.1",
    NODE_ID: nodeId,
    ADMIN_KEY: NODE_ADMIN_KEY,
    LEASE_TTL_MS: String(options.leaseTtlMs ?? 10_000),
    LOG_LEVEL: "warn",
    ...RAISED_TEST_LIMITS,
    ...options.env,
  };
  let child: Subprocess | null = null;
  let secretKey = options.secretKey ?? "";
  let keySeen: (() => void) | null = null;

  const launch = async () => {
    const proc = spawn(command(options.runtime ?? "bun", options.runtimeArgs), {
      cwd: ROOT,
      env,
      stdout: "pipe",
      stderr: options.onLog ? "pipe" : options.inheritStderr ? "inherit" : "ignore",
    });
    child = proc;
    track(proc);
    tie(proc);
    if (options.onLog) void readLines(proc.stderr as ReadableStream<Uint8Array>, options.onLog);
    void watchStdout(proc, (key) => {
      if (!secretKey) secretKey = key;
      keySeen?.();
    });
    await waitHealthy(url, proc, START_TIMEOUT_MS);
  };

  const keyPromise = new Promise<void>((r) => {
    keySeen = r;
  });
  await launch();
  // The key is printed before the server listens, but stdout may lag /healthz slightly.
  if (!secretKey) await Promise.race([keyPromise, Bun.sleep(2000)]);
  if (!secretKey && options.requireKey !== false) {
    throw new Error("spool node did not print its secret key (store not empty?)");
  }

  const current = (): Subprocess => {
    if (!child) throw new Error("node not started");
    return child;
  };
  return {
    url,
    port,
    nodeId,
    dataDir,
    adminKey: NODE_ADMIN_KEY,
    get pid() {
      return current().pid;
    },
    get secretKey() {
      return secretKey;
    },
    async exited() {
      const c = current();
      await c.exited;
      return c.exitCode;
    },
    get alive() {
      const c = current();
      return c.exitCode === null && c.signalCode === null;
    },
    async kill(signal = "SIGKILL") {
      const c = current();
      c.kill(signal);
      if (signal !== "SIGSTOP" && signal !== "SIGCONT") await c.exited;
    },
    signal(signal) {
      current().kill(signal);
    },
    async restart() {
      const c = current();
      if (c.exitCode === null && c.signalCode === null) {
        c.kill("SIGKILL");
        await c.exited;
      }
      await launch();
    },
    async stop(timeoutMs = 10_000) {
      const c = current();
      if (c.exitCode !== null || c.signalCode !== null) return;
      c.kill("SIGCONT"); // a stopped process cannot handle SIGTERM
      c.kill("SIGTERM");
      const timer = setTimeout(() => c.kill("SIGKILL"), timeoutMs);
      await c.exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Spool nodes as separate processes (`bun src/main.ts`) for crash tests: kill -9, SIGSTOP /
 * SIGCONT, restart with the same node id and port. All nodes share one Redis prefix and one
 * SQLite data dir. (A minimal launcher of its own; the shared node-launcher may replace it.)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Subprocess, spawn } from "bun";
import { freePort, freshPrefix } from "./redis.ts";
import { RAISED_TEST_LIMITS } from "./test-limits.ts";
import { tie } from "./tied-process.ts";

export const LAUNCH_ADMIN_KEY = "adm_launch_key";

export interface ProcNode {
  nodeId: string;
  port: number;
  url: string;
  process: Subprocess | null;
}

export class ShardLauncher {
  readonly nodes: ProcNode[] = [];
  readonly prefix = freshPrefix("procs");
  readonly dataDir = mkdtempSync(join(tmpdir(), "spool-procs-"));
  secretKey = "";

  constructor(
    private readonly redisUrl: string,
    private readonly env: Record<string, string> = {},
  ) {}

  async start(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      this.nodes.push({
        nodeId: `pnode-${i}`,
        port,
        url: `http://127.0.0.1:${port}`,
        process: null,
      });
      await this.#spawn(this.nodes[i]!, i === 0);
    }
  }

  kill9(i: number): void {
    this.nodes[i]!.process?.kill("SIGKILL");
    this.nodes[i]!.process = null;
  }

  pause(i: number): void {
    this.nodes[i]!.process?.kill("SIGSTOP");
  }

  resume(i: number): void {
    this.nodes[i]!.process?.kill("SIGCONT");
  }

  async restart(i: number): Promise<void> {
    this.kill9(i);
    await this.#spawn(this.nodes[i]!, false);
  }

  async stopAll(): Promise<void> {
    for (const node of this.nodes) {
      node.process?.kill("SIGCONT");
      node.process?.kill("SIGKILL");
      await node.process?.exited;
      node.process = null;
    }
  }

  fetch(
    i: number,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    return fetch(`${this.nodes[i]!.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.secretKey}`,
        "content-type": "application/json",
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async #spawn(node: ProcNode, first: boolean): Promise<void> {
    const child = spawn([process.execPath, "src/main.ts"], {
      env: {
        ...process.env,
        PORT: String(node.port),
        HOST: "127.0.0.1",
        NODE_ID: node.nodeId,
        REDIS_URL: this.redisUrl,
        REDIS_PREFIX: this.prefix,
        DATA_DIR: this.dataDir,
        ADMIN_KEY: LAUNCH_ADMIN_KEY,
        LOG_LEVEL: "error",
        ...RAISED_TEST_LIMITS,
        ...this.env,
      },
      stdout: "pipe",
      stderr: "inherit",
    });
    node.process = tie(child);
    if (first) this.secretKey = await secretLine(child);
    else void drain(child);
    await waitHealthy(node.url);
  }
}

async function secretLine(child: Subprocess): Promise<string> {
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("node exited before printing its secret key");
    text += new TextDecoder().decode(value);
    const match = /secret key: (\S+)/.exec(text);
    if (match) {
      reader.releaseLock();
      void drain(child);
      return match[1]!;
    }
  }
}

async function drain(child: Subprocess): Promise<void> {
  for await (const _ of child.stdout as ReadableStream<Uint8Array>) {
    // discard: a full pipe would block the node's logging
  }
}

async function waitHealthy(url: string): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await Bun.sleep(50);
  }
  throw new Error(`node at ${url} did not become healthy`);
}

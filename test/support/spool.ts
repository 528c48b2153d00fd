/**
 * An in-process Spool for tests: real Redis (the test process's, with a fresh key prefix), a real
 * SQLite file in a temp dir, real BullMQ workers. REST goes through `app.handle`; `listen()` also
 * serves real sockets (SSE, WebSocket) on a loopback port.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createRuntime, type Runtime } from "../../src/deps.ts";
import { type Logger, silentLogger } from "../../src/ports/logger.ts";
import { type BunServer, serveBun } from "../../src/serve-bun.ts";
import { freshPrefix, testRedis } from "./redis.ts";
import { RAISED_TEST_LIMITS } from "./test-limits.ts";

export const ADMIN_KEY = "adm_test_key";

export interface TestSpool {
  runtime: Runtime;
  secretKey: string;
  dataDir: string;
  prefix: string;
  /** JSON request with the given credential (default: the first tenant's secret key). */
  call(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
    headers?: Record<string, string>,
  ): Promise<Response>;
  json<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<{ status: number; body: T }>;
  createTenant(name?: string): Promise<string>;
  listen(): Promise<BunServer>;
  close(): Promise<void>;
}

export async function startSpool(
  env: Record<string, string> = {},
  logger: Logger = silentLogger,
): Promise<TestSpool> {
  const redis = await testRedis();
  const dataDir = mkdtempSync(join(tmpdir(), "spool-test-"));
  const prefix = freshPrefix("spool");
  const config = loadConfig({
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    DATA_DIR: dataDir,
    ADMIN_KEY,
    PORT: "0",
    NODE_ID: `node-${prefix.slice(-8)}`,
    ...RAISED_TEST_LIMITS,
    ...env,
  });
  const runtime = await createRuntime(config, logger);
  const secretKey = runtime.firstSecretKey!;
  const servers: BunServer[] = [];
  const call: TestSpool["call"] = (method, path, body, key = secretKey, headers = {}) =>
    runtime.app.handle(
      new Request(`http://localhost${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
        ...(body === undefined
          ? {}
          : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      }),
    );
  return {
    runtime,
    secretKey,
    dataDir,
    prefix,
    call,
    async json(method, path, body, key) {
      const response = await call(method, path, body, key);
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async createTenant(name = "other") {
      const response = await call("POST", "/v1/admin/tenants", { name }, ADMIN_KEY);
      return ((await response.json()) as { secret_key: string }).secret_key;
    },
    async listen() {
      const server = serveBun(runtime, 0);
      servers.push(server);
      return server;
    },
    async close() {
      for (const server of servers) await server.stop();
      await runtime.close();
    },
  };
}

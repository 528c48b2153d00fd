// Tenant administration for an operator who lost a key: `GET /v1/admin/tenants` lists tenants with
// their key ids and hints (never a secret) in cursor pages, a new key can be issued for any of
// them, and the default tenant of an empty store is created once even when two nodes start on it
// at the same moment.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { migrateSqlite } from "../../src/adapters/sqlite/schema.ts";
import { SqliteTenantStore } from "../../src/adapters/sqlite/sqlite-tenant-store.ts";
import { loadConfig } from "../../src/config.ts";
import { createRuntime } from "../../src/deps.ts";
import { firstTenant } from "../../src/first-tenant.ts";
import { TokenService } from "../../src/http/tokens.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { freshPrefix, testRedis } from "../support/redis.ts";
import { ADMIN_KEY, startSpool, type TestSpool } from "../support/spool.ts";

let spool: TestSpool;
const secrets: string[] = [];

beforeAll(async () => {
  spool = await startSpool();
  secrets.push(spool.secretKey);
  for (const name of ["alpha", "beta", "gamma"]) secrets.push(await spool.createTenant(name));
});
afterAll(() => spool.close());

type TenantPage = {
  object: string;
  data: { id: string; object: string; name: string; keys: { id: string; hint: string }[] }[];
  has_more: boolean;
  next_cursor: string | null;
};

test("tenants are listed in pages with key ids and hints, never secrets", async () => {
  const names: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const response = await spool.call("GET", `/v1/admin/tenants?${query}`, undefined, ADMIN_KEY);
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const secret of secrets) expect(text).not.toContain(secret);
    const page = JSON.parse(text) as TenantPage;
    expect(page.object).toBe("list");
    expect(page.data.length).toBeLessThanOrEqual(2);
    for (const tenant of page.data) {
      expect(tenant.object).toBe("tenant");
      expect(tenant.id).toStartWith("ten_");
      expect(tenant.keys.length).toBe(1);
      expect(tenant.keys[0]!.id).toBeTruthy();
      expect(tenant.keys[0]!.hint.length).toBeLessThan(16);
      names.push(tenant.name);
    }
    cursor = page.next_cursor;
    expect(page.has_more).toBe(cursor !== null);
    pages++;
  } while (cursor);
  expect(pages).toBe(2);
  // Oldest first (the three created in one millisecond may come in any order among themselves).
  expect(names[0]).toBe("default");
  expect(names.slice(1).sort()).toEqual(["alpha", "beta", "gamma"]);
});

test("a lost key is replaced: list, issue a new key, use it", async () => {
  const list = (await (
    await spool.call("GET", "/v1/admin/tenants?limit=100", undefined, ADMIN_KEY)
  ).json()) as TenantPage;
  const beta = list.data.find((t) => t.name === "beta")!;
  const issued = await spool.call("POST", `/v1/admin/tenants/${beta.id}/keys`, {}, ADMIN_KEY);
  expect(issued.status).toBe(201);
  const { secret_key } = (await issued.json()) as { secret_key: string };
  expect((await spool.call("GET", "/v1/threads", undefined, secret_key)).status).toBe(200);
  const missing = await spool.call("POST", "/v1/admin/tenants/ten_nope/keys", {}, ADMIN_KEY);
  expect(missing.status).toBe(404);
});

test("the list needs the admin key; bad limits and cursors are 400s", async () => {
  expect((await spool.call("GET", "/v1/admin/tenants", undefined, spool.secretKey)).status).toBe(
    401,
  );
  expect((await spool.call("GET", "/v1/admin/tenants", undefined, "nope")).status).toBe(401);
  for (const query of ["limit=0", "limit=101", "limit=x", "cursor=abc.def", "cursor=%00"]) {
    const response = await spool.call("GET", `/v1/admin/tenants?${query}`, undefined, ADMIN_KEY);
    expect(`${query} ${response.status}`).toBe(`${query} 400`);
  }
  // A cursor of another list does not open this one.
  const threads = await spool.call("GET", "/v1/threads?limit=1");
  expect(threads.status).toBe(200);
});

test("concurrent first starts on one empty store agree on one tenant and one printed key", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-first-"));
  const path = join(dir, "spool.sqlite");
  const handles = await Promise.all([0, 1, 2].map(() => openSqlite(path)));
  migrateSqlite(handles[0]!);
  const stores = handles.map((db) => new SqliteTenantStore(db));
  try {
    // Three "nodes", each with its own connection, racing through count → create.
    const keys = await Promise.all(
      stores.map((store) => firstTenant(store, new TokenService(store, "secret", Date.now))),
    );
    expect(keys.filter((k) => k !== null).length).toBe(1);
    expect(await stores[0]!.countTenants()).toBe(1);
  } finally {
    for (const db of handles) db.close();
  }
});

test("two nodes starting on one empty store create exactly one default tenant", async () => {
  const redis = await testRedis();
  const dataDir = mkdtempSync(join(tmpdir(), "spool-first-"));
  const prefix = freshPrefix("first");
  const config = (node: string) =>
    loadConfig({
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      DATA_DIR: dataDir,
      PORT: "0",
      NODE_ID: node,
      ADMIN_KEY,
    });
  const runtimes = await Promise.all(
    ["first-a", "first-b", "first-c"].map((node) => createRuntime(config(node), silentLogger)),
  );
  try {
    const keys = runtimes.map((r) => r.firstSecretKey).filter((k) => k !== null);
    expect(keys.length).toBe(1);
    expect(await runtimes[0]!.services.tenants.countTenants()).toBe(1);
  } finally {
    await Promise.all(runtimes.map((r) => r.close()));
  }
}, 60_000);

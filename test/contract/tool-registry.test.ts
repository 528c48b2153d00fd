/**
 * Runs the ToolRegistry contract on SQLite (a fresh temp file per test) and, where MONGO_URL is
 * set, on MongoDB (a fresh database per test); otherwise the MongoDB run shows as skipped.
 */
import { describe, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectMongo } from "../../src/adapters/mongo/connect.ts";
import { MongoToolRegistry } from "../../src/adapters/mongo/mongo-tool-registry.ts";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { SqliteToolRegistry } from "../../src/adapters/sqlite/sqlite-tool-registry.ts";
import type { ToolRegistry } from "../../src/ports/tool-registry.ts";
import type { StoreHandle } from "./contract-kit.ts";
import { toolRegistryContract } from "./tool-registry.contract.ts";

const MONGO_URL = process.env.MONGO_URL ?? "";

async function sqliteRegistry(): Promise<StoreHandle<ToolRegistry>> {
  const dir = mkdtempSync(join(tmpdir(), "spool-tools-"));
  const db = await openSqlite(join(dir, "spool.sqlite"));
  return {
    store: new SqliteToolRegistry(db),
    async cleanup() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function mongoRegistry(): Promise<StoreHandle<ToolRegistry>> {
  const name = `spool_test_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const connection = await connectMongo(MONGO_URL, name);
  return {
    store: new MongoToolRegistry(connection.db),
    async cleanup() {
      try {
        await connection.db.dropDatabase();
      } finally {
        await connection.close();
      }
    },
  };
}

toolRegistryContract("sqlite", sqliteRegistry);

if (!MONGO_URL) {
  test.skip("MongoDB ToolRegistry contract (skipped: MONGO_URL is not set)", () => {
    // Registered only so that the run's summary shows the suite was skipped.
  });
}
describe.if(MONGO_URL !== "")("MongoDB tool registry", () => {
  toolRegistryContract("mongo", mongoRegistry);
});

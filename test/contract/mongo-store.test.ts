/**
 * Runs the store contract suites on the MongoDB adapters where MONGO_URL points at a server
 * (each test in a fresh randomly named database, dropped after); without it, one visible
 * skipped test says so. The document conversions need no server: they are checked through a
 * real BSON encode/decode on every run, so the adapter is not entirely untested here.
 */
import { describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { BSON, type Db } from "mongodb";
import { connectMongo } from "../../src/adapters/mongo/connect.ts";
import {
  type MessageDoc,
  messageFromDoc,
  messageToDoc,
  type ThreadDoc,
  threadFromDoc,
  threadToDoc,
} from "../../src/adapters/mongo/documents.ts";
import { MongoTenantStore } from "../../src/adapters/mongo/mongo-tenant-store.ts";
import { MongoThreadStore } from "../../src/adapters/mongo/mongo-thread-store.ts";
import { messageRecord, threadRecord } from "../support/records.ts";
import type { StoreHandle } from "./contract-kit.ts";
import { tenantStoreContract } from "./tenant-store.contract.ts";
import { threadStoreContract } from "./thread-store.contract.ts";
import { RICH_CONTENT } from "./thread-store-round-trip.cases.ts";

const MONGO_URL = process.env.MONGO_URL ?? "";
const HAS_MONGO = MONGO_URL !== "";

if (!HAS_MONGO) {
  test.skip("MongoDB store contract suites (skipped: MONGO_URL is not set)", () => {
    // Registered only so that the run's summary shows the suites were skipped.
  });
}

/** A fresh database per test: isolation by namespace, never by flushing. */
async function freshStore<S>(make: (db: Db) => S): Promise<StoreHandle<S>> {
  const name = `spool_test_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const connection = await connectMongo(MONGO_URL, name);
  return {
    store: make(connection.db),
    async cleanup() {
      try {
        await connection.db.dropDatabase();
      } finally {
        await connection.close();
      }
    },
  };
}

describe.if(HAS_MONGO)("MongoDB stores", () => {
  threadStoreContract("mongo", () => freshStore((db) => new MongoThreadStore(db)));
  tenantStoreContract("mongo", () => freshStore((db) => new MongoTenantStore(db)));
});

/** Every key of a decoded document, at any depth. */
function keysDeep(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysDeep);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...keysDeep(inner)]);
}

describe("MongoDB documents (no server needed)", () => {
  test("a message survives record → document → BSON → document → record", () => {
    const thread = threadRecord();
    const record = messageRecord(thread, 42, {
      role: "assistant",
      content: RICH_CONTENT,
      usage: { input_tokens: 2 ** 31 + 5, output_tokens: 3, estimated: true },
      error: { code: "rate_limited", message: "slow down" },
      stop_reason: "max_tokens",
      epoch: 2 ** 40,
      rev: 12,
      last_offset: 1999,
    });
    const decoded = BSON.deserialize(BSON.serialize(messageToDoc(record))) as MessageDoc;
    expect(messageFromDoc(decoded)).toStrictEqual(record);
  });

  test("a thread survives record → document → BSON → document → record", () => {
    const thread = threadRecord({
      end_user_id: "user_1",
      metadata: { $key: "v", "a.b": "c" },
      last_active_at: Date.UTC(2030, 0, 1),
      last_seq: 7,
    });
    const decoded = BSON.deserialize(BSON.serialize(threadToDoc(thread))) as ThreadDoc;
    expect(threadFromDoc(decoded)).toStrictEqual(thread);
  });

  test("documents have no field a MongoDB update would refuse", () => {
    const thread = threadRecord({ metadata: { $key: "v", "a.b": "c" } });
    const message = messageRecord(thread, 1, { content: RICH_CONTENT });
    const keys = [...keysDeep(threadToDoc(thread)), ...keysDeep(messageToDoc(message))];
    expect(keys.filter((key) => key.startsWith("$") || key.includes("."))).toEqual([]);
  });
});

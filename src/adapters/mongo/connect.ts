/**
 * Connects to MongoDB and makes sure the store's collections and indexes exist, at start, so no
 * request ever pays for (or races on) creating them. Safe when several nodes start at once:
 * creating an existing collection or an identical index is a no-op. An index of the same name
 * with other options fails start-up loudly rather than running without the unique constraint.
 */
import { type Db, type IndexDescription, MongoClient, MongoServerError } from "mongodb";
import { COLLECTIONS } from "./documents.ts";

/** MongoDB's NamespaceExists: another node created the collection between our list and create. */
const NAMESPACE_EXISTS_CODE = 48;

const INDEXES: Record<string, IndexDescription[]> = {
  [COLLECTIONS.messages]: [
    // The identity of a message, and what makes the conditional upsert safe (see the store).
    { name: "thread_seq", key: { thread_id: 1, seq: 1 }, unique: true },
    { name: "tenant_thread_request", key: { tenant_id: 1, thread_id: 1, request_id: 1 } },
  ],
  [COLLECTIONS.threads]: [
    // Thread lists, newest activity first, keyset on (last_active_at, _id).
    { name: "tenant_activity", key: { tenant_id: 1, last_active_at: -1, _id: -1 } },
    {
      name: "tenant_end_user_activity",
      key: { tenant_id: 1, end_user_id: 1, last_active_at: -1, _id: -1 },
    },
  ],
  [COLLECTIONS.secretKeys]: [
    { name: "hash", key: { hash: 1 }, unique: true },
    { name: "tenant_created", key: { tenant_id: 1, created_at: 1, _id: 1 } },
  ],
  [COLLECTIONS.usageLedger]: [
    // One entry per message: re-recording replaces it (no double counting).
    { name: "thread_seq", key: { thread_id: 1, seq: 1 }, unique: true },
    { name: "tenant_at", key: { tenant_id: 1, at: 1 } },
    { name: "tenant_end_user_at", key: { tenant_id: 1, end_user_id: 1, at: 1 } },
  ],
  // Settings are keyed by name in `_id`; tenants by id in `_id`: the built-in index serves both.
  [COLLECTIONS.settings]: [],
  [COLLECTIONS.tenants]: [],
};

export interface MongoConnection {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * A failed connect leaves the client closed (STACK.md), so this makes a new client each call:
 * a caller that retries simply calls again.
 */
export async function connectMongo(url: string, database: string): Promise<MongoConnection> {
  const client = new MongoClient(url, { appName: "spool" });
  await client.connect();
  try {
    const db = client.db(database);
    await ensureMongoSchema(db);
    return { client, db, close: () => client.close() };
  } catch (err) {
    await client.close();
    throw err;
  }
}

export async function ensureMongoSchema(db: Db): Promise<void> {
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  for (const [name, indexes] of Object.entries(INDEXES)) {
    if (!existing.has(name)) await createCollection(db, name);
    if (indexes.length > 0) await db.collection(name).createIndexes(indexes);
  }
}

async function createCollection(db: Db, name: string): Promise<void> {
  try {
    await db.createCollection(name);
  } catch (err) {
    // Another node won the race to create it: exactly the state we wanted.
    if (err instanceof MongoServerError && err.code === NAMESPACE_EXISTS_CODE) return;
    throw err;
  }
}

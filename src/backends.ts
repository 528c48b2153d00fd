/**
 * Backend selection for deps.ts and the worker process: which adapter sits behind each store
 * port, from the configuration. Embedded default: SQLite store + SQLite search + built-in
 * embedder; at scale: MongoDB, Meilisearch, OpenAI / Mistral embeddings. Models: model-catalog.ts
 * (kept apart so a worker process does not load the provider SDKs).
 */
import { join } from "node:path";
import { BuiltinEmbedder } from "./adapters/embed/builtin-embedder.ts";
import { OpenAiEmbedder } from "./adapters/embed/openai-embedder.ts";
import { MeiliSearchIndex } from "./adapters/meili/meili-search-index.ts";
import { connectMongo } from "./adapters/mongo/connect.ts";
import { MongoTenantStore } from "./adapters/mongo/mongo-tenant-store.ts";
import { MongoThreadStore } from "./adapters/mongo/mongo-thread-store.ts";
import { MongoToolRegistry } from "./adapters/mongo/mongo-tool-registry.ts";
import { openSqlite, type SqliteDb } from "./adapters/sqlite/database.ts";
import { migrateSqlite } from "./adapters/sqlite/schema.ts";
import { SqliteVectorBackfill } from "./adapters/sqlite/search-vector-backfill.ts";
import { SqliteSearchIndex } from "./adapters/sqlite/sqlite-search-index.ts";
import { SqliteTenantStore } from "./adapters/sqlite/sqlite-tenant-store.ts";
import { SqliteThreadStore } from "./adapters/sqlite/sqlite-thread-store.ts";
import { SqliteToolRegistry } from "./adapters/sqlite/sqlite-tool-registry.ts";
import type { Config } from "./config.ts";
import type { Embedder } from "./ports/embedder.ts";
import type { SearchIndex } from "./ports/search.ts";
import type { TenantStore } from "./ports/tenant-store.ts";
import type { ThreadStore } from "./ports/thread-store.ts";
import type { ToolRegistry } from "./ports/tool-registry.ts";
import type { VectorBackfill } from "./ports/vector-backfill.ts";
import { ensurePrivateDir } from "./private-files.ts";

export interface Stores {
  store: ThreadStore;
  tenants: TenantStore;
  tools: ToolRegistry;
  search: SearchIndex;
  /** The SQLite index's re-embedding walk; null on Meilisearch (re-indexed by the operator). */
  vectorBackfill: VectorBackfill | null;
  embedder: Embedder;
  close(): Promise<void>;
}

/** The Mistral SDK takes ~1 s to load: imported only when it is the configured embedder. */
export async function makeEmbedder(config: Config): Promise<Embedder> {
  const { kind, model } = config.embedder;
  if (kind === "openai" && config.providers.openai) {
    return new OpenAiEmbedder({ ...config.providers.openai, model });
  }
  if (kind === "mistral" && config.providers.mistral) {
    const { MistralEmbedder } = await import("./adapters/embed/mistral-embedder.ts");
    return new MistralEmbedder({ ...config.providers.mistral, model });
  }
  return new BuiltinEmbedder();
}

async function searchIndex(
  config: Config,
  embedder: Embedder,
  sqlite: SqliteDb | null,
): Promise<{ search: SearchIndex; vectorBackfill: VectorBackfill | null }> {
  if (config.meili) {
    const search = await MeiliSearchIndex.open({
      host: config.meili.url,
      apiKey: config.meili.apiKey,
      indexName: config.meili.index,
      embedder,
    });
    return { search, vectorBackfill: null };
  }
  const db = sqlite ?? (await openSqlite(join(config.dataDir, "search.db")));
  // The index first: opening it adopts the embedder's vector space (and resets the walk).
  const search = new SqliteSearchIndex(db, { embedder });
  return { search, vectorBackfill: new SqliteVectorBackfill(db, embedder) };
}

export async function openStores(config: Config): Promise<Stores> {
  ensurePrivateDir(config.dataDir);
  const embedder = await makeEmbedder(config);
  if (config.mongo) {
    const mongo = await connectMongo(config.mongo.url, config.mongo.database);
    const { search, vectorBackfill } = await searchIndex(config, embedder, null);
    return {
      store: new MongoThreadStore(mongo.db),
      tenants: new MongoTenantStore(mongo.db),
      tools: new MongoToolRegistry(mongo.db),
      search,
      vectorBackfill,
      embedder,
      close: async () => {
        await search.close();
        await mongo.close();
      },
    };
  }
  const db = await openSqlite(join(config.dataDir, "spool.db"));
  migrateSqlite(db);
  const { search, vectorBackfill } = await searchIndex(config, embedder, db);
  return {
    store: new SqliteThreadStore(db),
    tenants: new SqliteTenantStore(db),
    tools: new SqliteToolRegistry(db),
    search,
    vectorBackfill,
    embedder,
    close: async () => {
      await search.close();
      db.close();
    },
  };
}

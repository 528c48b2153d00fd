/**
 * Backend selection for deps.ts: which adapter sits behind each port, from the configuration.
 * Embedded default: SQLite store + SQLite search + built-in embedder + scripted model; at scale:
 * MongoDB, Meilisearch, OpenAI / Mistral embeddings, provider keys.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BuiltinEmbedder } from "./adapters/embed/builtin-embedder.ts";
import { MistralEmbedder } from "./adapters/embed/mistral-embedder.ts";
import { OpenAiEmbedder } from "./adapters/embed/openai-embedder.ts";
import { AnthropicProvider } from "./adapters/llm/anthropic/anthropic-provider.ts";
import { MistralProvider } from "./adapters/llm/mistral/mistral-provider.ts";
import { OpenAIProvider } from "./adapters/llm/openai/openai-provider.ts";
import { ProviderRegistry } from "./adapters/llm/provider-registry.ts";
import { ScriptedProvider } from "./adapters/llm/scripted/scripted-provider.ts";
import { MeiliSearchIndex } from "./adapters/meili/meili-search-index.ts";
import { connectMongo } from "./adapters/mongo/connect.ts";
import { MongoTenantStore } from "./adapters/mongo/mongo-tenant-store.ts";
import { MongoThreadStore } from "./adapters/mongo/mongo-thread-store.ts";
import { MongoToolRegistry } from "./adapters/mongo/mongo-tool-registry.ts";
import { openSqlite, type SqliteDb } from "./adapters/sqlite/database.ts";
import { migrateSqlite } from "./adapters/sqlite/schema.ts";
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

export interface Stores {
  store: ThreadStore;
  tenants: TenantStore;
  tools: ToolRegistry;
  search: SearchIndex;
  embedder: Embedder;
  close(): Promise<void>;
}

export function modelCatalog(config: Config): ProviderRegistry {
  const registry = new ProviderRegistry([new ScriptedProvider()]);
  const { anthropic, openai, mistral, compatible } = config.providers;
  if (anthropic) registry.register(new AnthropicProvider(anthropic));
  if (openai) registry.register(new OpenAIProvider(openai));
  if (mistral) registry.register(new MistralProvider(mistral));
  for (const provider of compatible) registry.register(new OpenAIProvider(provider));
  return registry;
}

export function makeEmbedder(config: Config): Embedder {
  const { kind, model } = config.embedder;
  if (kind === "openai" && config.providers.openai) {
    return new OpenAiEmbedder({ ...config.providers.openai, model });
  }
  if (kind === "mistral" && config.providers.mistral) {
    return new MistralEmbedder({ ...config.providers.mistral, model });
  }
  return new BuiltinEmbedder();
}

async function searchIndex(
  config: Config,
  embedder: Embedder,
  sqlite: SqliteDb | null,
): Promise<SearchIndex> {
  if (config.meili) {
    return MeiliSearchIndex.open({
      host: config.meili.url,
      apiKey: config.meili.apiKey,
      indexName: config.meili.index,
      embedder,
    });
  }
  const db = sqlite ?? (await openSqlite(join(config.dataDir, "search.db")));
  return new SqliteSearchIndex(db, { embedder });
}

export async function openStores(config: Config): Promise<Stores> {
  mkdirSync(config.dataDir, { recursive: true });
  const embedder = makeEmbedder(config);
  if (config.mongo) {
    const mongo = await connectMongo(config.mongo.url, config.mongo.database);
    const search = await searchIndex(config, embedder, null);
    return {
      store: new MongoThreadStore(mongo.db),
      tenants: new MongoTenantStore(mongo.db),
      tools: new MongoToolRegistry(mongo.db),
      search,
      embedder,
      close: async () => {
        await search.close();
        await mongo.close();
      },
    };
  }
  const db = await openSqlite(join(config.dataDir, "spool.db"));
  migrateSqlite(db);
  const search = await searchIndex(config, embedder, db);
  return {
    store: new SqliteThreadStore(db),
    tenants: new SqliteTenantStore(db),
    tools: new SqliteToolRegistry(db),
    search,
    embedder,
    close: async () => {
      await search.close();
      db.close();
    },
  };
}

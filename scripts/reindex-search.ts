/**
 * `bun scripts/reindex-search.ts`: re-indexes every stored message into the configured search index
 * (workers/reindex-store.ts), with the server's configuration (environment). For Meilisearch
 * after a change of EMBEDDER; the SQLite index re-embeds itself (docs/search.md).
 */
import { openStores } from "../src/backends.ts";
import { consoleLogger } from "../src/ports/logger.ts";
import { loadConfigOrExit } from "../src/process-lifecycle.ts";
import { reindexStore } from "../workers/reindex-store.ts";

const config = loadConfigOrExit();
const logger = consoleLogger(config.logLevel);
const stores = await openStores(config);
try {
  const totals = await reindexStore({ ...stores, logger });
  logger.info("reindex done", { ...totals });
} finally {
  await stores.close();
}

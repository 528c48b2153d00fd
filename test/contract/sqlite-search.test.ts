// The SearchIndex contract on the embedded adapter: SQLite FTS5 + in-memory vectors, a fresh
// database file in a temp dir per run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { SqliteSearchIndex } from "../../src/adapters/sqlite/sqlite-search-index.ts";
import { searchIndexContract } from "./search-index.contract.ts";

searchIndexContract("sqlite", async (embedder) => {
  const dir = mkdtempSync(join(tmpdir(), "spool-search-"));
  const db = await openSqlite(join(dir, "spool.db"));
  return {
    index: new SqliteSearchIndex(db, { embedder }),
    async dispose() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

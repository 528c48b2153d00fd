/**
 * ToolRegistry on the embedded SQLite file (see ports/tool-registry.ts for the contract). The
 * table is created here, idempotently, rather than in the store's versioned schema: it is one
 * independent table and `CREATE TABLE IF NOT EXISTS` is safe when several processes start at once.
 */
import type { ToolRecord, ToolRegistry } from "../../ports/tool-registry.ts";
import type { Row, SqliteDb } from "./database.ts";

const TABLE = `
CREATE TABLE IF NOT EXISTS tenant_tools (
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  input_schema TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, name)
)`;
const COLUMNS = "tenant_id, name, description, input_schema, url, secret, created_at, updated_at";

function fromRow(row: Row): ToolRecord {
  return {
    tenant_id: String(row.tenant_id),
    name: String(row.name),
    description: row.description === null ? null : String(row.description),
    input_schema: JSON.parse(String(row.input_schema)) as Record<string, unknown>,
    url: String(row.url),
    secret: String(row.secret),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export class SqliteToolRegistry implements ToolRegistry {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
    db.exec(TABLE);
  }

  async put(tool: ToolRecord): Promise<ToolRecord> {
    // ON CONFLICT keeps created_at of the first registration; everything else is replaced.
    this.#db
      .prepare(
        `INSERT INTO tenant_tools (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, name) DO UPDATE SET description = excluded.description,
           input_schema = excluded.input_schema, url = excluded.url, secret = excluded.secret,
           updated_at = excluded.updated_at`,
      )
      .run(
        tool.tenant_id,
        tool.name,
        tool.description,
        JSON.stringify(tool.input_schema),
        tool.url,
        tool.secret,
        tool.created_at,
        tool.updated_at,
      );
    const stored = await this.get(tool.tenant_id, tool.name);
    if (!stored) throw new Error(`tool ${tool.name} missing right after its upsert`);
    return stored;
  }

  async get(tenantId: string, name: string): Promise<ToolRecord | null> {
    const row = this.#db
      .prepare(`SELECT ${COLUMNS} FROM tenant_tools WHERE tenant_id = ? AND name = ?`)
      .get(tenantId, name);
    return row ? fromRow(row) : null;
  }

  async list(tenantId: string): Promise<ToolRecord[]> {
    return this.#db
      .prepare(`SELECT ${COLUMNS} FROM tenant_tools WHERE tenant_id = ? ORDER BY name`)
      .all(tenantId)
      .map(fromRow);
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    const { changes } = this.#db
      .prepare("DELETE FROM tenant_tools WHERE tenant_id = ? AND name = ?")
      .run(tenantId, name);
    return changes > 0;
  }
}

/**
 * One small SQLite handle over both runtimes: `bun:sqlite` on Bun, `node:sqlite` on Deno.
 * Their APIs are close; this keeps the adapters to positional `?` parameters and plain rows.
 * WAL mode and a busy timeout let several Spool processes share one file (DESIGN.md).
 */
export type SqlValue = string | number | bigint | null | Uint8Array;
export type Row = Record<string, SqlValue>;

export interface Statement {
  run(...params: SqlValue[]): { changes: number };
  all(...params: SqlValue[]): Row[];
  get(...params: SqlValue[]): Row | null;
}

export interface SqliteDb {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  /** Runs `fn` in an IMMEDIATE transaction (takes the write lock up front: no upgrade deadlock). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

/** 5 s: long enough to ride out another process's checkpoint, short enough to surface a wedge. */
const BUSY_TIMEOUT_MS = 5000;

interface RawStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  all(...params: SqlValue[]): unknown[];
  get(...params: SqlValue[]): unknown;
}
interface RawDb {
  exec(sql: string): void;
  prepare(sql: string): RawStatement;
  close(): void;
}

async function openRaw(path: string): Promise<RawDb> {
  if (typeof Bun !== "undefined") {
    const { Database } = await import("bun:sqlite");
    return new Database(path, { create: true, strict: false }) as unknown as RawDb;
  }
  const { DatabaseSync } = await import("node:sqlite");
  return new DatabaseSync(path) as unknown as RawDb;
}

function wrapStatement(raw: RawStatement): Statement {
  return {
    run: (...params) => ({ changes: Number(raw.run(...params).changes) }),
    all: (...params) => raw.all(...params) as Row[],
    get: (...params) => (raw.get(...params) as Row | undefined) ?? null,
  };
}

export async function openSqlite(path: string): Promise<SqliteDb> {
  const raw = await openRaw(path);
  raw.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  raw.exec("PRAGMA journal_mode = WAL");
  raw.exec("PRAGMA synchronous = NORMAL");
  raw.exec("PRAGMA foreign_keys = ON");
  const cache = new Map<string, Statement>();
  let depth = 0;
  return {
    exec: (sql) => raw.exec(sql),
    prepare(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = wrapStatement(raw.prepare(sql));
        cache.set(sql, statement);
      }
      return statement;
    },
    transaction(fn) {
      // Nested calls join the outer transaction.
      if (depth > 0) return fn();
      raw.exec("BEGIN IMMEDIATE");
      depth++;
      try {
        const result = fn();
        raw.exec("COMMIT");
        return result;
      } catch (err) {
        raw.exec("ROLLBACK");
        throw err;
      } finally {
        depth--;
      }
    },
    close: () => raw.close(),
  };
}

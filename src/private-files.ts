/**
 * DATA_DIR holds the SQLite store (with the token-signing secret), the embedded Redis' AOF and its
 * password, so no other local user may read it: directories 0700, files 0600. The process umask
 * is narrowed once at start so files created later (SQLite -wal/-shm, Redis' AOF, which inherits
 * the umask) are private too, and data dirs written by older versions are tightened on start.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** DATA_DIR/redis/appendonlydir/… is the deepest thing Spool writes. */
const MAX_DEPTH = 3;

/** Creates `dir` (0700) and makes everything Spool keeps under it private. */
export function ensurePrivateDir(dir: string): void {
  narrowUmask();
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tighten(dir, 0);
}

function narrowUmask(): void {
  // Deno has no process.umask without --unstable; there the explicit chmods below still apply.
  if (typeof process.umask === "function") {
    try {
      process.umask(0o077);
    } catch (error) {
      // Deno's node:process throws "not implemented"; files are still chmodded on every start.
      void error;
    }
  }
}

function tighten(path: string, depth: number): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return; // never follow a link out of DATA_DIR
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(path, PRIVATE_DIR_MODE);
    if (depth >= MAX_DEPTH) return;
    for (const name of readdirSync(path)) tighten(join(path, name), depth + 1);
    return;
  }
  if (stat.isFile() && (stat.mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE_MODE);
}

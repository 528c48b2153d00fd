/**
 * CPU time of another process, from /proc (Linux): the whole process, and split by thread kind,
 * so a benchmark can tell the JS thread from JavaScriptCore's JIT compiler and GC helper threads.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Linux reports process times in clock ticks; 100 per second on every kernel we run on. */
const CLOCK_TICKS_PER_S = 100;

/** utime + stime of a /proc stat line, in seconds (fields 14 and 15; 11 and 12 after the ") "). */
function statSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

export function cpuSeconds(pid: number): number {
  return statSeconds(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/**
 * Thread kinds as JavaScriptCore and Bun name their threads; the rest is "other". `gc` holds the
 * collector's HeapHelper threads and the allocator's (mimalloc) scavenger: memory upkeep both.
 */
export type ThreadKind = "js" | "jit" | "gc" | "other";

function kindOf(comm: string, isMain: boolean): ThreadKind {
  if (isMain) return "js";
  if (comm.startsWith("JITWorker")) return "jit";
  if (comm.startsWith("HeapHelper") || comm.includes("scavenger")) return "gc";
  return "other";
}

/** CPU seconds per thread kind, summed over the process's threads (threads that ended are lost). */
export function cpuByThreadKind(pid: number): Record<ThreadKind, number> {
  const out: Record<ThreadKind, number> = { js: 0, jit: 0, gc: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      out[kindOf(comm, tid === String(pid))] += statSeconds(stat);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

export function threadKindsSince(
  before: Record<ThreadKind, number>,
  after: Record<ThreadKind, number>,
): Record<ThreadKind, number> {
  return {
    js: after.js - before.js,
    jit: after.jit - before.jit,
    gc: after.gc - before.gc,
    other: after.other - before.other,
  };
}

/**
 * Two diagnostics for the latency bench (stream-bench (b)): how often the event loop stalled while
 * a run went on, and the chunk latencies split into each stream's first chunk (which meets every
 * turn starting at once) and the rest (the steady state). A stall delays every chunk in flight by
 * its length, so a handful of them sets a p99.
 */

/** A 1 ms timer that fired this much late counts as a stall. */
const STALL_MS = 3;

export interface LoopReport {
  stalls: number;
  longestMs: number;
}

/** Runs `work` while a 1 ms timer watches the loop. */
export async function watchLoop(work: () => Promise<unknown>): Promise<LoopReport> {
  let last = performance.now();
  let stalls = 0;
  let longestMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - 1;
    if (late > STALL_MS) stalls++;
    longestMs = Math.max(longestMs, late);
    last = now;
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { stalls, longestMs };
}

/** Latencies of stamped chunks, kept apart by whether a chunk was its stream's first. */
export class ChunkLatencies {
  readonly all: number[] = [];
  readonly first: number[] = [];
  readonly rest: number[] = [];

  /** `stamp` is `<performance.now() at the model>:<chunk index>`. */
  add(stamp: string): void {
    const [at, index] = stamp.split(":");
    const latency = performance.now() - Number(at);
    this.all.push(latency);
    (index === "0" ? this.first : this.rest).push(latency);
  }
}

export const stampOf = (i: number): string => `${performance.now()}:${i}`;

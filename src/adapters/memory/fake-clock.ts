/**
 * A Clock whose time moves only when a test says so (`advance`), for lease renewal, tool waits,
 * retries and sweeps without real waiting. Timers run in due order; between two timers the
 * microtask queue is drained, so the promise chains a timer starts settle before the next fires.
 */
import type { Clock, TimerHandle } from "../../ports/clock.ts";

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/** Rounds of macrotask yielding per drain: enough for chains of awaits across several modules. */
const DRAIN_ROUNDS = 20;

export async function drainMicrotasks(rounds = DRAIN_ROUNDS): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), fn });
    return { fake: id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete((handle as { fake: number }).fake);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    await drainMicrotasks();
    for (;;) {
      const next = this.#due(until);
      if (!next) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
      await drainMicrotasks();
    }
    this.#now = until;
    await drainMicrotasks();
  }

  #due(until: number): Timer | null {
    let best: Timer | null = null;
    for (const timer of this.#timers.values()) {
      if (timer.at > until) continue;
      if (!best || timer.at < best.at || (timer.at === best.at && timer.id < best.id)) best = timer;
    }
    return best;
  }
}

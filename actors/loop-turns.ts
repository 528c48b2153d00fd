/**
 * Tells whether the event loop has turned (run its I/O poll and other callbacks) since a moment,
 * for code that must not keep the loop to itself: a generation reading a provider that yields
 * parts without waiting. One shared setImmediate per loop turn, armed only while someone asks, so
 * thousands of paced generations asking after every part cost one callback per turn, not a timer
 * each (issue 17: measuring the slice from the stream's start made every paced part yield on a
 * `setTimeout(0)` of its own).
 */

let turns = 0;
let armed = false;

function countTurn(): void {
  armed = false;
  turns++;
}

/** A number that changes once the loop has turned after this call. */
export function loopTurn(): number {
  if (!armed) {
    armed = true;
    setImmediate(countTurn);
  }
  return turns;
}

/** Resolves on a later turn of the loop, after pending I/O callbacks. */
export function nextLoopTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Time spent on the loop without letting it turn: a slice restarts whenever the loop turned
 * since the last check (the provider waited for the network), and `overMs` says when the current
 * slice has run longer than `maxMs` (time to yield with `nextLoopTurn`).
 */
export class LoopSlice {
  #turn = loopTurn();
  #startedAt = performance.now();

  constructor(private readonly maxMs: number) {}

  /** True when the loop has not turned for longer than `maxMs`; restarts the slice otherwise. */
  overdue(): boolean {
    const turn = loopTurn();
    const now = performance.now();
    if (turn !== this.#turn) {
      this.#turn = turn;
      this.#startedAt = now;
      return false;
    }
    return now - this.#startedAt > this.maxMs;
  }

  /** After a yield: the next part starts a fresh slice. */
  restart(): void {
    this.#turn = loopTurn();
    this.#startedAt = performance.now();
  }
}

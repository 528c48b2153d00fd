/**
 * The drain signal of a ReadableStream sink: `pull` is how a stream says its queue went below the
 * high-water mark, and it calls `pull` after nearly every chunk the client reads. At real pacing
 * that was a JS call and a settled promise per delivered chunk while nobody was waiting (issue 17).
 * So `pull` parks on a pending promise (the stream calls it again only once that settles) and is
 * woken only when a caller asks to hear of the next drain: the stream then calls it after the next
 * read or enqueue that finds its queue below the mark (at once, if a read came while it was
 * parked), which is when the old per-read `pull` would have called the waiter too.
 */
export class DrainSignal {
  #callbacks: (() => void)[] = [];
  #wake: (() => void) | null = null;

  /** The stream's `pull`: runs the waiting callbacks, then parks until somebody waits again. */
  readonly pull = (): Promise<void> => {
    const callbacks = this.#callbacks;
    this.#callbacks = [];
    for (const callback of callbacks) callback();
    // A callback may have asked for the next drain already: then do not park.
    if (this.#callbacks.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  };

  /** Calls back once, the next time the stream's queue is below its high-water mark. */
  onDrain(callback: () => void): void {
    this.#callbacks.push(callback);
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

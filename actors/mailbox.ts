/**
 * Runs async tasks one at a time in arrival order. The thread actor's turns go through one, so
 * seq assignment and generations of a thread never interleave.
 */
export class Mailbox {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Tasks queued or running. */
  get depth(): number {
    return this.#pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(task);
    // The chain continues whether the task failed or not; the caller sees the failure.
    this.#tail = result.then(
      () => this.#pending--,
      () => this.#pending--,
    );
    return result;
  }
}

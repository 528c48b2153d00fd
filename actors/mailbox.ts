/**
 * Runs async tasks one at a time in arrival order. The thread actor's turns go through one, so
 * seq assignment and generations of a thread never interleave.
 */
export class Mailbox {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;
  #queued = 0;

  /** Tasks queued or running. */
  get depth(): number {
    return this.#pending;
  }

  /** Tasks queued since the start: a task still last in line sees it unchanged since its own. */
  get queued(): number {
    return this.#queued;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.#pending++;
    this.#queued++;
    const result = this.#tail.then(task);
    // The chain continues whether the task failed or not; the caller sees the failure.
    this.#tail = result.then(
      () => this.#pending--,
      () => this.#pending--,
    );
    return result;
  }
}

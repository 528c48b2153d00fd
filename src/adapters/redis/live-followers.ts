/**
 * Whether another node follows a thread, so the owner can skip the live PUBLISH of a batch that
 * nobody would receive (issue 17: at real pacing that PUBLISH was a command per event). A node
 * following a thread keeps `keys.watchers(id)` alive (RedisLiveBus) from before it subscribes;
 * `append-events-n` reads that key atomically with each append, and the store notes the answer
 * here just before the append's promise settles, so the owner's publish of that batch (which runs
 * in the continuation, before the thread's next append can start) sees its own batch's answer.
 * Why that loses nothing: an append before the key was set is in the checkpoint before the
 * follower's replay reads it; an append after it is published. Shared by one hot tier's
 * RedisCheckpointStore and RedisLiveBus. Unknown threads count as followed (publish).
 */

/** Past this many remembered threads the memory is dropped: forgetting only costs publishes. */
const MAX_REMEMBERED_THREADS = 100_000;

export class LiveFollowers {
  readonly #unfollowed = new Set<string>();

  /** The answer of the thread's latest append. */
  note(threadId: string, followed: boolean): void {
    if (followed) {
      this.#unfollowed.delete(threadId);
      return;
    }
    if (this.#unfollowed.size >= MAX_REMEMBERED_THREADS) this.#unfollowed.clear();
    this.#unfollowed.add(threadId);
  }

  /** False only when the thread's latest append found no other node following it. */
  followed(threadId: string): boolean {
    return !this.#unfollowed.has(threadId);
  }
}

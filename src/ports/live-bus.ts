/**
 * Live events of a thread across nodes: the owner publishes every durable batch; a node following
 * a thread it does not own subscribes. Delivery is at most once and in publish order per thread
 * (one channel per thread; a lost message is a gap the follower detects by position and repairs
 * from the checkpoint, so this bus never needs to be reliable).
 *
 * Contract: `subscribe` resolves only once the subscription is active, so a follower that then
 * replays the checkpoint cannot miss a batch published in between. Handlers run in order.
 */
export interface LiveEntry {
  seq: number;
  offset: number;
  json: string;
  final: boolean;
}

export interface LiveBus {
  /** Fire and forget: the checkpoint is the record; live is a shortcut. */
  publish(threadId: string, entries: readonly LiveEntry[]): void;
  /** Resolves with an unsubscribe function once the subscription is active. */
  subscribe(threadId: string, onEntries: (entries: LiveEntry[]) => void): Promise<() => void>;
  close(): Promise<void>;
}

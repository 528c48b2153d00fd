/** The subscriptions following one thread on this node; the actor fans durable events out here. */
import type { EventEntry } from "./event-entry.ts";
import type { Subscription } from "./subscription.ts";

export class SubscriberSet {
  readonly #members = new Set<Subscription>();

  get size(): number {
    return this.#members.size;
  }

  add(subscription: Subscription): void {
    this.#members.add(subscription);
  }

  delete(subscription: Subscription): void {
    this.#members.delete(subscription);
  }

  deliver(entries: EventEntry[]): void {
    for (const subscription of this.#members) {
      if (subscription.state === "closed") this.#members.delete(subscription);
      else subscription.receive(entries);
    }
  }

  closeAll(reason: "done" | "reconnect" | "revoked"): void {
    for (const subscription of this.#members) subscription.close(reason);
    this.#members.clear();
  }
}

/** Counts what a stream sink hands to a client: events delivered, and each `stream.reset` by reason. */
import type { EventEntry } from "../../actors/event-entry.ts";
import type { Metrics, StreamTransport } from "../ports/metrics.ts";

/** Every event is serialized with `type` first (actors/event-entry.ts). */
const RESET_PREFIX = '{"type":"stream.reset"';

export function countDelivered(
  metrics: Metrics,
  transport: StreamTransport,
  entries: EventEntry[],
): void {
  metrics.eventsDelivered(transport, entries.length);
  for (const entry of entries) {
    // A prefix test, not a parse: this runs for every event to every subscriber.
    if (!entry.json.startsWith(RESET_PREFIX)) continue;
    const reason = /"reason":"([a-z_]+)"/.exec(entry.json)?.[1] ?? "unknown";
    metrics.streamReset(reason);
  }
}

import type { LogEvent } from "../src/protocol/events.ts";

/** A durable stream event as the actor layer moves it: its position and its JSON, serialized once. */
export interface EventEntry {
  seq: number;
  offset: number;
  json: string;
  /** True for the event that closes a message's log (its final event, or the creation of a
   * message that is settled from the start, such as a user message). */
  final: boolean;
  /** The parsed event, when this process built it (saves parsing it back). */
  event?: LogEvent;
}

export interface Position {
  seq: number;
  offset: number;
}

/** A position after every event of messages up to `seq`. */
export function endOf(seq: number): Position {
  return { seq, offset: Number.MAX_SAFE_INTEGER };
}

export function compare(a: Position, b: Position): number {
  return a.seq !== b.seq ? a.seq - b.seq : a.offset - b.offset;
}

/** The `type` of a serialized event (every event is serialized with `type` first). */
export function eventType(json: string): string {
  const match = /^\{"type":"([a-z._]+)"/.exec(json);
  return match?.[1] ?? "";
}

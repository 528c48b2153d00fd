/**
 * A durable stream event as the actor layer moves it: its position, its JSON (serialized once,
 * sent as is) and the few facts about it that routing needs (`meta`), read once where the entry is
 * made, so no consumer substring-matches the JSON. Positions and their order live here too.
 */
import { unreachable } from "../src/domain/exhaustive.ts";
import { formatStreamCursor } from "../src/domain/stream-cursor.ts";
import type { LogEvent, StreamEvent } from "../src/protocol/events.ts";

export interface EntryMeta {
  /** The event's `type` (empty for a payload that is not an event). */
  type: string;
  /** `tool.waiting`: the id of the tool_use it waits for. */
  toolUseId: string | null;
  /** Final events and `stream.reset`: the message's stop_reason. */
  stopReason: string | null;
}

export interface EventEntry {
  seq: number;
  offset: number;
  json: string;
  /** True for the event that closes a message's log (its final event, or the creation of a
   * message that is settled from the start, such as a user message). */
  final: boolean;
  meta: EntryMeta;
  /** The parsed event, when this process built it (saves parsing it back). */
  event?: LogEvent;
}

/** Types whose meta needs more than the type: parsed from JSON when no event object is at hand. */
const NEEDS_BODY = new Set([
  "tool.waiting",
  "message.completed",
  "message.incomplete",
  "message.failed",
  "stream.reset",
]);

function metaFromEvent(event: StreamEvent): EntryMeta {
  switch (event.type) {
    case "tool.waiting":
      return { type: event.type, toolUseId: event.tool_use.id, stopReason: null };
    case "message.completed":
    case "message.incomplete":
    case "message.failed":
    case "stream.reset":
      return { type: event.type, toolUseId: null, stopReason: event.message.stop_reason };
    case "message.created":
    case "block.start":
    case "block.delta":
    case "block.stop":
      return { type: event.type, toolUseId: null, stopReason: null };
    default:
      return unreachable(event, "event type");
  }
}

/** The meta of an event, from the event when this process has it, else from its JSON. */
export function metaOf(json: string, event?: StreamEvent): EntryMeta {
  if (event) return metaFromEvent(event);
  const type = eventType(json);
  if (!NEEDS_BODY.has(type)) return { type, toolUseId: null, stopReason: null };
  return metaFromEvent(JSON.parse(json) as StreamEvent);
}

export function entryOf(
  seq: number,
  offset: number,
  json: string,
  final: boolean,
  event?: LogEvent,
): EventEntry {
  const entry: EventEntry = { seq, offset, json, final, meta: metaOf(json, event) };
  if (event) entry.event = event;
  return entry;
}

/** The offset of a position after every event of its message (an explicit marker, not a number). */
export const END = "end" as const;

/** A place in a thread's stream: after event `offset` of message `seq`, or after all of it. */
export interface Position {
  seq: number;
  offset: number | typeof END;
}

/** A position after every event of messages up to `seq`. */
export function endOf(seq: number): Position {
  return { seq, offset: END };
}

export function compare(a: Position, b: Position): number {
  if (a.seq !== b.seq) return a.seq - b.seq;
  if (a.offset === b.offset) return 0;
  if (a.offset === END) return 1;
  if (b.offset === END) return -1;
  return a.offset - b.offset;
}

/** The first offset of message `p.seq` after `p`; null when `p` is the message's end. */
export function nextOffset(p: Position): number | null {
  return p.offset === END ? null : p.offset + 1;
}

/**
 * The wire spells the end marker as offset 9007199254740991 (Number.MAX_SAFE_INTEGER, API.md);
 * these two functions are the only places that know it.
 */
const WIRE_END_OFFSET = Number.MAX_SAFE_INTEGER;

export function positionFromCursor(cursor: { seq: number; offset: number }): Position {
  return { seq: cursor.seq, offset: cursor.offset === WIRE_END_OFFSET ? END : cursor.offset };
}

export function cursorOf(p: Position): string {
  return formatStreamCursor(p.seq, p.offset === END ? WIRE_END_OFFSET : p.offset);
}

/** The `type` of a serialized event (every event is serialized with `type` first). */
export function eventType(json: string): string {
  const match = /^\{"type":"([a-z._]+)"/.exec(json);
  return match?.[1] ?? "";
}

/**
 * A durable stream event as the actor layer moves it: its position, its JSON (serialized once,
 * sent as is) and the few facts about it that routing needs (`meta`), read once where the entry is
 * made, so no consumer substring-matches the JSON. Positions and their order live here too.
 */
import { unreachable } from "../src/domain/exhaustive.ts";
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

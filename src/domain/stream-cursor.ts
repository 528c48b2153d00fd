/** Stream positions: `"<seq>:<offset>"` names exactly one event of message `seq` (API.md). */
import { InvalidCursorError } from "../protocol/errors.ts";

export interface StreamPosition {
  seq: number;
  offset: number;
}

export function formatStreamCursor(seq: number, offset: number): string {
  return `${seq}:${offset}`;
}

const CURSOR_PATTERN = /^(\d{1,15}):(\d{1,15})$/;

/** Parses a client cursor; anything malformed is `400 invalid_cursor`. */
export function parseStreamCursor(cursor: string, param = "after"): StreamPosition {
  const match = CURSOR_PATTERN.exec(cursor.trim());
  if (!match) throw new InvalidCursorError(param);
  return { seq: Number(match[1]), offset: Number(match[2]) };
}

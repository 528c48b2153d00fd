/** Stream positions: `"<seq>:<offset>"` names exactly one event of message `seq` (API.md). */
import { InvalidCursorError } from "../protocol/errors.ts";

export interface StreamPosition {
  seq: number;
  offset: number;
}

export function formatStreamCursor(seq: number, offset: number): string {
  return `${seq}:${offset}`;
}

/** Offsets go up to Number.MAX_SAFE_INTEGER (16 digits), which names the end of a message. */
const CURSOR_PATTERN = /^(\d{1,15}):(\d{1,16})$/;

/** Parses a client cursor; anything malformed is `400 invalid_cursor`. */
export function parseStreamCursor(cursor: string, param = "after"): StreamPosition {
  const match = CURSOR_PATTERN.exec(cursor.trim());
  const offset = Number(match?.[2]);
  if (!match || offset > Number.MAX_SAFE_INTEGER) throw new InvalidCursorError(param);
  return { seq: Number(match[1]), offset };
}

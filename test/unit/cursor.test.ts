import { describe, expect, test } from "bun:test";
import { CursorCodec } from "../../src/domain/cursor.ts";
import { parseStreamCursor } from "../../src/domain/stream-cursor.ts";

const scope = { kind: "messages:asc:", tenantId: "ten_a", scope: "thr_1" };

describe("list cursors", () => {
  const codec = new CursorCodec("secret");
  test("round trip within the same scope", () => {
    expect(codec.decode(scope, codec.encode(scope, { s: 42 }))).toMatchObject({ s: 42 });
  });
  test("another tenant, thread, list or server secret cannot use it", () => {
    const cursor = codec.encode(scope, { s: 42 });
    for (const other of [
      { ...scope, tenantId: "ten_b" },
      { ...scope, scope: "thr_2" },
      { ...scope, kind: "messages:desc:" },
    ]) {
      expect(() => codec.decode(other, cursor)).toThrow(
        expect.objectContaining({ code: "invalid_cursor" }),
      );
    }
    expect(() => new CursorCodec("other").decode(scope, cursor)).toThrow(
      expect.objectContaining({ code: "invalid_cursor" }),
    );
  });
});

describe("stream cursors", () => {
  test("parse seq:offset and refuse anything else with invalid_cursor", () => {
    expect(parseStreamCursor("12:0")).toEqual({ seq: 12, offset: 0 });
    expect(parseStreamCursor("3:9007199254740991")).toEqual({
      seq: 3,
      offset: Number.MAX_SAFE_INTEGER,
    });
    for (const bad of ["", "12", "a:b", "-1:2", "1:2:3", "1:99999999999999999"]) {
      expect(() => parseStreamCursor(bad)).toThrow(
        expect.objectContaining({ code: "invalid_cursor" }),
      );
    }
  });
});

import { describe, expect, test } from "bun:test";
import {
  kindForStatus,
  kindForType,
  retryAfterMsFrom,
  toProviderError,
} from "../../src/adapters/llm/shared/provider-errors.ts";

describe("provider error classification", () => {
  test.each([
    [429, "rate_limited"],
    [401, "auth"],
    [403, "auth"],
    [400, "rejected"],
    [404, "rejected"],
    [413, "rejected"],
    [422, "rejected"],
    [408, "unavailable"],
    [500, "unavailable"],
    [503, "unavailable"],
    [529, "unavailable"],
  ] as const)("status %i is %s", (status, kind) => {
    expect(kindForStatus(status)).toBe(kind);
  });

  test.each([
    ["overloaded_error", "unavailable"],
    ["api_error", "unavailable"],
    ["rate_limit_error", "rate_limited"],
    ["invalid_request_error", "rejected"],
    ["authentication_error", "auth"],
  ] as const)("in-stream type %s is %s", (type, kind) => {
    expect(kindForType(type)).toBe(kind);
  });

  test("a 429 carries retry-after; other kinds do not", () => {
    const headers = new Headers({ "retry-after": "3" });
    const limited = toProviderError({
      provider: "p",
      status: 429,
      headers,
      message: "slow",
      cause: null,
    });
    expect(limited.kind).toBe("rate_limited");
    expect(limited.retryAfterMs).toBe(3000);
    expect(limited.retryable).toBe(true);
    const down = toProviderError({
      provider: "p",
      status: 503,
      headers,
      message: "down",
      cause: null,
    });
    expect(down.retryAfterMs).toBeNull();
    const inStream = toProviderError({
      provider: "p",
      status: null,
      headers: null,
      type: "overloaded_error",
      message: "busy",
      cause: null,
    });
    expect(inStream.kind).toBe("unavailable");
  });
});

describe("retryAfterMsFrom", () => {
  test("prefers retry-after-ms, then seconds, then an HTTP date; caps at 10 min", () => {
    expect(retryAfterMsFrom(new Headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(
      250,
    );
    expect(retryAfterMsFrom(new Headers({ "retry-after": "1.5" }))).toBe(1500);
    const now = Date.parse("2026-11-25T12:00:00Z");
    const date = new Headers({ "retry-after": "Wed, 25 Nov 2026 12:00:07 GMT" });
    expect(retryAfterMsFrom(date, now)).toBe(7000);
    expect(retryAfterMsFrom(new Headers({ "retry-after": "99999" }))).toBe(600_000);
    expect(retryAfterMsFrom(new Headers({ "retry-after": "soon" }))).toBeNull();
    expect(retryAfterMsFrom(new Headers())).toBeNull();
    expect(retryAfterMsFrom(null)).toBeNull();
  });
});

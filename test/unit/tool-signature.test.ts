// The tool-call signature (domain/tool-signature.ts): what a tenant's tool server checks.
import { describe, expect, test } from "bun:test";
import {
  SIGNATURE_TOLERANCE_S,
  toolIdempotencyKey,
  toolSignature,
  verifyToolSignature,
} from "../../src/domain/tool-signature.ts";

const SECRET = "whsec_0123456789abcdef";
const BODY = '{"id":"toolu_1","input":{"city":"Oslo"}}';
const NOW_S = 1_764_000_000;

describe("tool signature", () => {
  test("has the documented shape and verifies", () => {
    const header = toolSignature(SECRET, NOW_S, BODY);
    expect(header).toMatch(/^t=1764000000,v1=[0-9a-f]{64}$/);
    expect(verifyToolSignature(SECRET, header, BODY, NOW_S + 1)).toBe(true);
  });

  test("a changed body, another secret or a garbled header fails", () => {
    const header = toolSignature(SECRET, NOW_S, BODY);
    expect(verifyToolSignature(SECRET, header, `${BODY} `, NOW_S)).toBe(false);
    expect(verifyToolSignature("whsec_other_secret_00", header, BODY, NOW_S)).toBe(false);
    expect(verifyToolSignature(SECRET, "v1=abc", BODY, NOW_S)).toBe(false);
  });

  test("a stale timestamp fails (replay bound)", () => {
    const header = toolSignature(SECRET, NOW_S, BODY);
    expect(verifyToolSignature(SECRET, header, BODY, NOW_S + SIGNATURE_TOLERANCE_S + 1)).toBe(
      false,
    );
  });

  test("the idempotency key is stable per thread, message and call", () => {
    expect(toolIdempotencyKey("thr_1", 4, "toolu_9")).toBe("thr_1:4:toolu_9");
  });
});

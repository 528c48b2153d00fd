import { describe, expect, test } from "bun:test";
import {
  ConnectionRegistry,
  END_USER_REVOCATION_PREFIX,
} from "../../src/http/connection-registry.ts";

function connection() {
  const revoked: string[] = [];
  return { revoked, revoke: (reason: "revoked" | "expired") => void revoked.push(reason) };
}

describe("connection registry", () => {
  test("an erased end user's connections close, by tag, on the channel's message too", () => {
    const registry = new ConnectionRegistry();
    const alice = connection();
    const aliceToo = connection();
    const bob = connection();
    const backend = connection();
    registry.add("key_1", alice, null, "ten:alice");
    registry.add("key_2", aliceToo, null, "ten:alice");
    registry.add("key_1", bob, null, "ten:bob");
    registry.add("key_1", backend);
    expect(registry.revoke(`${END_USER_REVOCATION_PREFIX}ten:alice`)).toBe(2);
    expect([alice.revoked, aliceToo.revoked, bob.revoked, backend.revoked]).toEqual([
      ["revoked"],
      ["revoked"],
      [],
      [],
    ]);
    expect(registry.revoke("key_1")).toBe(3); // a key id still closes its key's connections
    expect(bob.revoked).toEqual(["revoked"]);
  });

  test("a closed connection leaves both indexes", () => {
    const registry = new ConnectionRegistry();
    const one = connection();
    const unregister = registry.add("key_1", one, null, "ten:carol");
    unregister();
    expect(registry.size).toBe(0);
    expect(registry.revokeEndUser("ten:carol")).toBe(0);
    expect(one.revoked).toEqual([]);
  });
});

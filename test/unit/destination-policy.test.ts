// The address classifier behind tenant tool destinations: every spelling of a loopback, private,
// link-local, CGNAT, multicast, unspecified or metadata address is refused; public addresses and
// TOOL_URL_ALLOW's hosts and CIDRs pass; URLs are checked for scheme and credentials.
import { describe, expect, test } from "bun:test";
import { DestinationPolicy, parseAllowList } from "../../src/domain/destination-policy.ts";
import { PRIVATE_SPELLINGS } from "../support/private-addresses.ts";

const policy = new DestinationPolicy();

/** What the URL's host becomes after WHATWG parsing, then its verdict. */
function verdictOf(url: string) {
  const target = policy.checkUrl(url);
  if (!target.ok) return { ok: false as const, reason: target.reason };
  return policy.checkAddresses(target.host, [target.host]);
}

describe("DestinationPolicy", () => {
  test("every private spelling is refused", () => {
    for (const url of PRIVATE_SPELLINGS) {
      const verdict = verdictOf(url);
      expect({ url, ok: verdict.ok }).toEqual({ url, ok: false });
    }
  });

  test("public addresses pass, in IPv4 and IPv6", () => {
    for (const url of [
      "https://93.184.215.14/",
      "http://8.8.8.8:8080/x",
      "https://[2606:4700::1111]/",
    ])
      expect(verdictOf(url)).toEqual({ ok: true });
  });

  test("a name is only as safe as its worst address", () => {
    expect(policy.checkAddresses("tools.example", ["93.184.215.14"])).toEqual({ ok: true });
    const mixed = policy.checkAddresses("tools.example", ["93.184.215.14", "127.0.0.1"]);
    expect(mixed.ok).toBe(false);
    expect(policy.checkAddresses("localhost", ["::1"]).ok).toBe(false);
    expect(policy.checkAddresses("nowhere.example", []).ok).toBe(false);
  });

  test("only http and https, never credentials in the URL", () => {
    for (const url of ["ftp://8.8.8.8/", "file:///etc/passwd", "gopher://8.8.8.8/", "not a url"])
      expect(policy.checkUrl(url).ok).toBe(false);
    expect(policy.checkUrl("https://user:pw@8.8.8.8/").ok).toBe(false);
  });

  test("TOOL_URL_ALLOW opens hosts and CIDRs, and nothing else", () => {
    const { entries, problems } = parseAllowList(" 127.0.0.1 , tools.internal,10.1.0.0/16,::1 ");
    expect(problems).toEqual([]);
    const open = new DestinationPolicy(entries);
    expect(open.checkAddress("127.0.0.1")).toEqual({ ok: true });
    expect(open.checkAddress("::ffff:127.0.0.1")).toEqual({ ok: true });
    expect(open.checkAddress("::1")).toEqual({ ok: true });
    expect(open.checkAddress("10.1.200.3")).toEqual({ ok: true });
    expect(open.checkAddress("10.2.0.1").ok).toBe(false);
    expect(open.checkAddress("127.0.0.2").ok).toBe(false);
    expect(open.checkAddresses("tools.internal", ["192.168.0.9"])).toEqual({ ok: true });
    expect(open.checkAddresses("TOOLS.internal", ["192.168.0.9"])).toEqual({ ok: true });
    expect(open.checkAddresses("other.internal", ["192.168.0.9"]).ok).toBe(false);
    expect(parseAllowList("10.0.0.0/99, 1.2.3.4/x").problems.length).toBe(2);
  });
});

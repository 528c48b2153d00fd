/**
 * Where Spool may send a tenant tool call: `http(s)://` to a host whose addresses are all public
 * unicast (ipaddr.js's classes, after unwrapping IPv4-mapped IPv6), unless TOOL_URL_ALLOW names
 * the host or a CIDR holding the address. Used at registration (the URL's host, resolved) and at
 * call time on the address actually connected to (DNS can answer differently the second time).
 * WHATWG URL parsing already turns `http://2130706433/`, `0x7f.1`, `0177.0.0.1` into `127.0.0.1`;
 * every address is then classified, so each spelling of a private address lands in its class.
 */
import ipaddr from "ipaddr.js";

export type AllowEntry =
  | { kind: "host"; host: string }
  | { kind: "cidr"; range: [ipaddr.IPv4 | ipaddr.IPv6, number]; text: string };

export type Verdict = { ok: true } | { ok: false; reason: string };

/** `localhost, tools.internal, 10.0.0.0/8, ::1/128`: hosts (exact, case-insensitive) or CIDRs. */
export function parseAllowList(spec: string): { entries: AllowEntry[]; problems: string[] } {
  const entries: AllowEntry[] = [];
  const problems: string[] = [];
  for (const raw of spec.split(",")) {
    const item = raw.trim().toLowerCase();
    if (!item) continue;
    if (item.includes("/")) {
      try {
        entries.push({ kind: "cidr", range: ipaddr.parseCIDR(item), text: item });
      } catch {
        problems.push(`"${item}" is not a CIDR`);
      }
    } else if (ipaddr.isValid(item)) {
      const address = ipaddr.process(item);
      const bits = address.kind() === "ipv4" ? 32 : 128;
      entries.push({ kind: "cidr", range: [address, bits], text: item });
    } else entries.push({ kind: "host", host: stripBrackets(item) });
  }
  return { entries, problems };
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** The class of an address ("unicast" is public); unwraps IPv4-mapped IPv6 first. */
export function addressClass(address: string): string {
  if (!ipaddr.isValid(address)) return "invalid";
  return ipaddr.process(address).range();
}

export class DestinationPolicy {
  readonly #hosts: Set<string>;
  readonly #ranges: AllowEntry[];

  constructor(allow: AllowEntry[] = []) {
    this.#hosts = new Set(allow.flatMap((e) => (e.kind === "host" ? [e.host] : [])));
    this.#ranges = allow.filter((e) => e.kind === "cidr");
  }

  /** The URL itself: scheme, no credentials; `host` is what to resolve (brackets removed). */
  checkUrl(
    url: string,
  ): { ok: true; host: string; literal: boolean } | { ok: false; reason: string } {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, reason: "is not a URL" };
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
      return { ok: false, reason: "must be http:// or https://" };
    if (parsed.username || parsed.password)
      return { ok: false, reason: "must not carry credentials (use the tool's secret)" };
    const host = stripBrackets(parsed.hostname.toLowerCase());
    if (!host) return { ok: false, reason: "has no host" };
    return { ok: true, host, literal: ipaddr.isValid(host) };
  }

  /** Every address `host` resolved to must be allowed; an empty answer is refused too. */
  checkAddresses(host: string, addresses: string[]): Verdict {
    if (this.#hosts.has(host.toLowerCase())) return { ok: true };
    if (addresses.length === 0) return { ok: false, reason: `${host} has no address` };
    for (const address of addresses) {
      const verdict = this.checkAddress(address);
      if (!verdict.ok) return { ok: false, reason: `${host} resolves to ${verdict.reason}` };
    }
    return { ok: true };
  }

  checkAddress(address: string): Verdict {
    if (!ipaddr.isValid(address)) return { ok: false, reason: `${address} (not an address)` };
    const parsed = ipaddr.process(address);
    for (const entry of this.#ranges) {
      if (entry.kind !== "cidr") continue;
      const [base, bits] = entry.range;
      if (parsed.kind() === base.kind() && parsed.match(base, bits)) return { ok: true };
    }
    const range = parsed.range();
    if (range === "unicast") return { ok: true };
    return { ok: false, reason: `${parsed.toString()} (${range}), which is not a public address` };
  }
}

/**
 * HostResolver on the system resolver (`dns.lookup`, so /etc/hosts and the OS's DNS apply, as
 * they would for any outbound connection). `all: true`: a name is only as safe as its worst
 * address, and `verbatim` keeps the resolver's order.
 */
import { lookup } from "node:dns/promises";
import type { HostResolver } from "../../ports/host-resolver.ts";

export class SystemHostResolver implements HostResolver {
  async resolve(host: string): Promise<string[]> {
    const answers = await lookup(host, { all: true, verbatim: true });
    return answers.map((a) => a.address);
  }
}

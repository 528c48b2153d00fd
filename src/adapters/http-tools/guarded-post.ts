/**
 * One POST to a tenant tool over node:http / node:https, connected only to an address the
 * DestinationPolicy allows: the socket's `lookup` resolves the host, checks every address, and
 * hands the checked one to connect, so a DNS answer cannot change between check and connection
 * (rebinding). TLS still verifies the certificate against the URL's host. Redirects are never
 * followed (a 3xx is an answer like any other). The answer is read up to `maxBytes`, then cut.
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { DestinationPolicy } from "../../domain/destination-policy.ts";
import type { HostResolver } from "../../ports/host-resolver.ts";

export interface GuardedPostInput {
  url: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  maxBytes: number;
  policy: DestinationPolicy;
  resolver: HostResolver;
}

export type GuardedAnswer =
  | { kind: "answer"; status: number; retryAfter: string | null; text: string; cut: boolean }
  | { kind: "refused"; reason: string }
  | { kind: "failed"; error: unknown };

/** Raised inside `lookup` so the request fails with it; told apart from network errors. */
class DestinationRefused extends Error {
  readonly code = "destination_not_allowed";
}

function checkedLookup(input: GuardedPostInput): LookupFunction {
  return ((
    hostname: string,
    options: { all?: boolean },
    callback: (...args: unknown[]) => void,
  ) => {
    input.resolver.resolve(hostname).then(
      (addresses) => {
        const verdict = input.policy.checkAddresses(hostname, addresses);
        if (!verdict.ok) return callback(new DestinationRefused(verdict.reason));
        const address = addresses[0]!;
        const family = address.includes(":") ? 6 : 4;
        if (options?.all) return callback(null, [{ address, family }]);
        return callback(null, address, family);
      },
      (error) => callback(error),
    );
  }) as unknown as LookupFunction;
}

export function guardedPost(input: GuardedPostInput): Promise<GuardedAnswer> {
  const target = input.policy.checkUrl(input.url);
  if (!target.ok) return Promise.resolve({ kind: "refused", reason: `URL ${target.reason}` });
  if (target.literal) {
    const verdict = input.policy.checkAddresses(target.host, [target.host]);
    if (!verdict.ok) return Promise.resolve({ kind: "refused", reason: verdict.reason });
  }
  const url = new URL(input.url);
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      url,
      {
        method: "POST",
        headers: { ...input.headers, "content-length": String(Buffer.byteLength(input.body)) },
        signal: input.signal,
        // Literal addresses skip lookup; they were checked above.
        lookup: checkedLookup(input),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        let cut = false;
        const finish = () =>
          resolve({
            kind: "answer",
            status: response.statusCode ?? 0,
            retryAfter: header(response.headers["retry-after"]),
            text: Buffer.concat(chunks).toString("utf8"),
            cut,
          });
        response.on("data", (chunk: Buffer) => {
          if (cut) return;
          const room = input.maxBytes - bytes;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            cut = true;
            response.destroy();
            finish();
            return;
          }
          chunks.push(chunk);
          bytes += chunk.length;
        });
        response.on("end", () => !cut && finish());
        response.on("error", (error) => !cut && resolve({ kind: "failed", error }));
        // Aborted mid-body (timeout, cancel): no "end" comes; the first settle wins.
        response.on("close", () => resolve({ kind: "failed", error: new Error("answer cut off") }));
      },
    );
    request.on("error", (error) => {
      if (
        error instanceof DestinationRefused ||
        (error as { code?: string }).code === "destination_not_allowed"
      )
        resolve({ kind: "refused", reason: error.message });
      else resolve({ kind: "failed", error });
    });
    request.end(input.body);
  });
}

function header(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/**
 * A burst of concurrent sends, run as its own process: `bun test/support/burst-client.ts` with a
 * JSON spec on argv[2] ({urls, key, threadId, count, offset?}). It prints one JSON line
 * [[status, user_seq|null], …]. A separate process because Bun's fetch pool (256 connections) is
 * per process: with in-process nodes, a thousand client requests would starve the nodes' own
 * forwarding requests of connections.
 */
export {};

interface Spec {
  urls: string[];
  key: string;
  threadId: string;
  count: number;
  offset?: number;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as Spec;
const offset = spec.offset ?? 0;
const results = await Promise.all(
  Array.from({ length: spec.count }, async (_, i) => {
    const n = i + offset;
    const response = await fetch(
      `${spec.urls[n % spec.urls.length]}/v1/threads/${spec.threadId}/messages`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${spec.key}`, "content-type": "application/json" },
        body: JSON.stringify({ content: `m${n}`, request_id: `r${n}` }),
      },
    );
    const body = (await response.json()) as { user_message?: { seq: number } };
    return [response.status, body.user_message?.seq ?? null];
  }),
);
process.stdout.write(`${JSON.stringify(results)}\n`);
